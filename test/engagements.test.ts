// Engagements through GraphQL: BAA gating, task boundaries, performance, phase gates, termination,
// and the provider phase gate.
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import type { Engagement, SlaTargetInput, UserError } from './support/schema-types';
import {
  ACCEPT,
  buyer,
  createNeed,
  createOffering,
  issueQuote,
  nextMonth,
  provider,
  setCapacity,
} from './support/fixtures';
import { sweepExpiredHolds } from '../src/app/hold-sweeper';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const M = [nextMonth(-2), nextMonth(-1), nextMonth(0), nextMonth(1), nextMonth(2)];
const SLA: SlaTargetInput[] = [
  { metric: 'answered_within_20s_pct', target: 80, unit: '%', direction: 'AT_LEAST' },
  { metric: 'abandonment_rate_pct', target: 5, unit: '%', direction: 'AT_MOST' },
];
const E = `engagement { id status phase baaSignedAt phaseHistory { from to } taskBoundaries { task owner } serviceEndMonth }`;

/** An accepted engagement starting this month: PILOT 1 month, EXPANSION 1 month, STEADY 1 month. */
async function engagement(categoryCode = 'CALL_CENTER') {
  const p = await provider(t);
  const offeringId = await createOffering(t, p.key, { categoryCode, slaTargets: SLA });
  await setCapacity(t, p.key, offeringId, M.slice(2), 10_000);
  const b = await buyer(t);
  const needId = await createNeed(t, b.key, { categoryCode, monthlyVolume: 600, startMonth: M[2], durationMonths: 3 });
  const quoteId = await issueQuote(t, p.key, {
    needId,
    offeringId,
    pilotMonths: 1,
    pilotUnits: 100,
    expansionMonths: 1,
    expansionUnits: 300,
  });
  const r = ok(await t.gql(ACCEPT, { i: { quoteId } }, b.key)).acceptQuote;
  expect(r.userErrors).toEqual([]);
  return { p, b, offeringId, id: r.engagement!.id as string, status: r.engagement!.status as string };
}

const mutate = async (name: string, input: Record<string, unknown>, key: string) => {
  const type = name[0].toUpperCase() + name.slice(1);
  return ok(
    await t.gql<Record<string, { engagement: Engagement | null; userErrors: UserError[] }>>(
      `mutation($i: ${type}Input!) { ${name}(input: $i) { ${E} userErrors { code field message } } }`,
      { i: input },
      key,
    ),
  )[name];
};
const report = (id: string, key: string, month: string, answered: number, abandonment: number) =>
  mutate(
    'recordPerformance',
    {
      engagementId: id,
      month,
      deliveredUnits: 95,
      metrics: [
        { metric: 'answered_within_20s_pct', value: answered },
        { metric: 'abandonment_rate_pct', value: abandonment },
      ],
    },
    key,
  );
const capacity = async (key: string, offeringId: string) =>
  ok(
    await t.gql(
      `query($id: ID!) { offering(id: $id) { capacity(from: "${M[2]}", to: "${M[4]}") { committedUnits conditionalUnits } } }`,
      { id: offeringId },
      key,
    ),
  ).offering!.capacity;

describe('BAA', () => {
  it('a PHI-touching engagement waits for its BAA: reports and phase moves give BAA_REQUIRED until signed', async () => {
    const { p, b, id, status } = await engagement('CALL_CENTER');
    expect(status).toBe('PENDING_BAA');
    expect((await report(id, p.key, M[2], 85, 3)).userErrors[0].code).toBe('BAA_REQUIRED');
    expect((await mutate('advanceEngagementPhase', { engagementId: id }, b.key)).userErrors[0].code).toBe(
      'BAA_REQUIRED',
    );
    const one = await mutate('signBaa', { engagementId: id }, b.key);
    expect(one.engagement).toMatchObject({ status: 'PENDING_BAA', baaSignedAt: null }); // one signature of two
    const s = await mutate('signBaa', { engagementId: id }, p.key);
    expect(s.engagement!.status).toBe('ACTIVE');
    expect(s.engagement!.baaSignedAt).toBeTruthy();
    expect((await mutate('signBaa', { engagementId: id }, p.key)).userErrors[0].code).toBe('INVALID_TRANSITION');
  });

  it('a service without PHI is ACTIVE at once', async () => {
    expect((await engagement('DATA_ANALYTICS')).status).toBe('ACTIVE');
  });
});

describe('task boundaries', () => {
  it('each task has one owner; a task owned twice is refused', async () => {
    const { p, b, id } = await engagement();
    const ok1 = await mutate(
      'setTaskBoundaries',
      {
        engagementId: id,
        tasks: [
          { task: 'Inbound scheduling calls', owner: 'PROVIDER' },
          { task: 'Provider template maintenance', owner: 'BUYER' },
        ],
        escalationContact: 'Patient access director',
      },
      b.key,
    );
    expect(ok1.userErrors).toEqual([]);
    expect(ok1.engagement!.taskBoundaries).toHaveLength(0); // a proposal until the provider confirms
    expect(
      (await mutate('confirmTaskBoundaries', { engagementId: id }, p.key)).engagement!.taskBoundaries,
    ).toHaveLength(2);
    const dup = await mutate(
      'setTaskBoundaries',
      {
        engagementId: id,
        tasks: [
          { task: 'Inbound scheduling calls', owner: 'PROVIDER' },
          { task: 'inbound scheduling calls', owner: 'BUYER' },
        ],
      },
      b.key,
    );
    expect(dup.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: 'input.tasks.1.task' });
  });
});

describe('phase gate', () => {
  it('advances only when the last N reports of the phase meet every target, then commits that phase', async () => {
    const { p, b, id, offeringId } = await engagement('DATA_ANALYTICS');
    // The engagement starts this month; earlier months are outside it.
    expect((await report(id, p.key, M[1], 90, 2)).userErrors[0].field).toBe('input.month');
    expect((await report(id, p.key, M[3], 90, 2)).userErrors[0].message).toContain('cannot be reported yet');
    const none = await mutate('advanceEngagementPhase', { engagementId: id }, b.key);
    expect(none.userErrors[0]).toMatchObject({
      code: 'GATE_NOT_MET',
      message: expect.stringContaining('0 recorded so far'),
    });
    await t.sql(`update engagement set start_month = $2::date where id = $1`, [id, `${M[1]}-01`]); // pretend it began last month
    expect((await report(id, p.key, M[1], 90, 2)).userErrors).toEqual([]);
    expect((await report(id, p.key, M[2], 78, 2)).userErrors).toEqual([]);
    const failed = await mutate('advanceEngagementPhase', { engagementId: id }, b.key);
    expect(failed.userErrors[0].message).toBe(
      `Report ${M[2]} missed answered_within_20s_pct 78 (target >= 80); the last 2 report(s) in PILOT must meet every target.`,
    );
    expect(
      errorCode(
        await t.gql(
          `mutation { advanceEngagementPhase(input: { engagementId: "${id}" }) { userErrors { code } } }`,
          {},
          p.key,
        ),
      ),
    ).toBe('FORBIDDEN');
    expect((await report(id, p.key, M[2], 88, 4)).userErrors).toEqual([]); // re-recording replaces the month
    const [n] = await t.sql(`select count(*)::int as n from performance_report where engagement_id = $1`, [id]);
    expect(n.n).toBe(2);
    expect(await capacity(p.key, offeringId)).toEqual([
      { committedUnits: 100, conditionalUnits: 0 },
      { committedUnits: 0, conditionalUnits: 300 },
      { committedUnits: 0, conditionalUnits: 600 },
    ]);
    const advanced = await mutate('advanceEngagementPhase', { engagementId: id }, b.key);
    expect(advanced.userErrors).toEqual([]);
    expect(advanced.engagement).toMatchObject({
      phase: 'EXPANSION',
      phaseHistory: [{ from: 'PILOT', to: 'EXPANSION' }],
    });
    expect(await capacity(p.key, offeringId)).toEqual([
      { committedUnits: 100, conditionalUnits: 0 },
      { committedUnits: 300, conditionalUnits: 0 },
      { committedUnits: 0, conditionalUnits: 600 },
    ]);
    const next = await mutate('advanceEngagementPhase', { engagementId: id }, b.key);
    expect(next.userErrors[0].message).toContain('0 recorded so far'); // EXPANSION has no reports yet
  });
});

describe('phase gate refusals carry data', () => {
  it('names the failing metric and report month in fields; none when reports are missing', async () => {
    const { p, b, id } = await engagement('DATA_ANALYTICS');
    const ADVANCE = `mutation($i: AdvanceEngagementPhaseInput!) { advanceEngagementPhase(input: $i) { engagement { phase } userErrors { code month metric } } }`;
    const advance = async () => ok(await t.gql(ADVANCE, { i: { engagementId: id } }, b.key)).advanceEngagementPhase;
    expect((await advance()).userErrors).toEqual([{ code: 'GATE_NOT_MET', month: null, metric: null }]);
    await t.sql(`update engagement set start_month = $2::date where id = $1`, [id, `${M[1]}-01`]);
    expect((await report(id, p.key, M[1], 90, 2)).userErrors).toEqual([]);
    expect((await report(id, p.key, M[2], 78, 2)).userErrors).toEqual([]);
    expect((await advance()).userErrors).toEqual([
      { code: 'GATE_NOT_MET', month: M[2], metric: 'answered_within_20s_pct' },
    ]);
    expect((await report(id, p.key, M[2], 88, 4)).userErrors).toEqual([]); // the control: every target met
    expect(await advance()).toEqual({ engagement: { phase: 'EXPANSION' }, userErrors: [] });
  });
});

describe('termination', () => {
  it('ends the engagement at once and releases every reservation from the effective month', async () => {
    const { p, b, id, offeringId } = await engagement('DATA_ANALYTICS');
    const r = await mutate(
      'terminateEngagement',
      { engagementId: id, effectiveMonth: M[3], reason: 'Consolidating vendors' },
      b.key,
    );
    expect(r.engagement).toMatchObject({ status: 'TERMINATED', serviceEndMonth: M[2] });
    expect(await capacity(p.key, offeringId)).toEqual([
      { committedUnits: 100, conditionalUnits: 0 },
      { committedUnits: 0, conditionalUnits: 0 },
      { committedUnits: 0, conditionalUnits: 0 },
    ]);
    expect(
      (await mutate('terminateEngagement', { engagementId: id, effectiveMonth: M[3], reason: 'again' }, p.key))
        .userErrors[0].code,
    ).toBe('INVALID_TRANSITION');
    const events = await t.sql(`select action from audit_event where entity_id = $1 order by at`, [id]);
    expect(events.map((e) => e.action)).toEqual(['engagement.created', 'engagement.terminated']);
  });

  it('is invisible and refused to outsiders as NOT_FOUND', async () => {
    const { id } = await engagement('DATA_ANALYTICS');
    const outsider = await provider(t);
    expect(
      ok(await t.gql(`query($id: ID!) { engagement(id: $id) { id } }`, { id }, outsider.key)).engagement,
    ).toBeNull();
    expect(
      errorCode(
        await t.gql(
          `mutation { terminateEngagement(input: { engagementId: "${id}", effectiveMonth: "${M[3]}", reason: "x" }) { userErrors { code } } }`,
          {},
          outsider.key,
        ),
      ),
    ).toBe('NOT_FOUND');
  });
});

describe('provider phase gate', () => {
  const ADVANCE = `mutation($i: AdvanceProviderPhaseInput!) { advanceProviderPhase(input: $i) { organization { phasePolicy { currentPhase { name } } } userErrors { code message } } }`;

  it('refuses with the reason until time in phase and SLA attainment are met, then passes without override', async () => {
    const { p, id } = await engagement('DATA_ANALYTICS');
    const early = ok(await t.gql(ADVANCE, { i: { providerId: p.id } }, p.key)).advanceProviderPhase;
    expect(early.userErrors[0]).toMatchObject({
      code: 'GATE_NOT_MET',
      message: expect.stringContaining('3 months in the current phase'),
    });
    await t.sql(`update organization set phase_entered_at = now() - interval '4 months' where id = $1`, [p.id]);
    await t.sql(`update engagement set start_month = $2::date where id = $1`, [id, `${M[0]}-01`]);
    for (const m of [M[0], M[1]]) await report(id, p.key, m, 90, 2);
    const few = ok(await t.gql(ADVANCE, { i: { providerId: p.id } }, p.key)).advanceProviderPhase;
    expect(few.userErrors[0].message).toContain('3 performance reports');
    await report(id, p.key, M[2], 70, 2);
    const low = ok(await t.gql(ADVANCE, { i: { providerId: p.id } }, p.key)).advanceProviderPhase;
    expect(low.userErrors[0].message).toContain('SLA attainment');
    await report(id, p.key, M[2], 90, 2);
    const passed = ok(await t.gql(ADVANCE, { i: { providerId: p.id } }, p.key)).advanceProviderPhase;
    expect(passed.userErrors).toEqual([]);
    expect(passed.organization!.phasePolicy!.currentPhase.name).toBe('EXPANSION');
  });

  it('the operator override is recorded with its reason', async () => {
    const p = await provider(t);
    const r = ok(
      await t.gql(ADVANCE, { i: { providerId: p.id, overrideReason: 'Board approved early expansion' } }),
    ).advanceProviderPhase;
    expect(r.userErrors).toEqual([]);
    const [ev] = await t.sql(
      `select changes, actor_role from audit_event where entity_id = $1 and action = 'provider.phaseAdvanced'`,
      [p.id],
    );
    expect(ev).toEqual({
      changes: { before: { phase: 'PILOT' }, after: { phase: 'EXPANSION', reason: 'Board approved early expansion' } },
      actor_role: 'OPERATOR',
    });
  });
});

describe('completion', () => {
  it('the sweeper completes engagements whose last month has passed and closes their need', async () => {
    const { b, id } = await engagement('DATA_ANALYTICS');
    await t.sql(`update engagement set start_month = $2::date, end_month = $2::date where id = $1`, [id, `${M[0]}-01`]);
    await sweepExpiredHolds(t.api.deps);
    const d = ok(await t.gql(`query($id: ID!) { engagement(id: $id) { status need { status } } }`, { id }, b.key));
    expect(d.engagement).toEqual({ status: 'COMPLETED', need: { status: 'CLOSED' } });
  });
});
