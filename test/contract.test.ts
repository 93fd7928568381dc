// What was agreed stays agreed, through GraphQL: quote terms fixed at issue, phase policies loosened
// only by the operator, two-party task boundaries and BAA, reports validated, versioned and
// disputable, termination with notice. Every refusal is checked to change nothing, next to a
// positive control.
import { type AuditChanges, errorCode, ok, startTestApi, type TestApi } from './support/api';
import type { CreateOfferingInput, Engagement, PricingInput, SlaTargetInput, UserError } from './support/schema-types';
import {
  ACCEPT,
  buyer,
  createKey,
  createNeed,
  createOrg,
  createOffering,
  issueQuote,
  nextMonth,
  provider,
  setCapacity,
} from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const M = [nextMonth(-2), nextMonth(-1), nextMonth(0), nextMonth(1), nextMonth(2), nextMonth(3)];
const SLA: SlaTargetInput[] = [
  { metric: 'clean_claim_rate_pct', target: 80, unit: '%', direction: 'AT_LEAST' },
  { metric: 'days_in_ar', target: 40, unit: 'days', direction: 'AT_MOST' },
];
const E = `engagement { id status phase baaSignedAt baaSignatures { side signedAt organization { id } }
  taskBoundaries { task owner } proposedTaskBoundaries { task owner } taskBoundaryProposal { side escalationContact }
  gateReportCount terminationNoticeMonths earliestTerminationMonth slaTargets { metric target }
  performanceReports(first: 10) { edges { node { month version deliveredUnits disputed dispute { reason resolvedAt }
    earlierVersions { version deliveredUnits metrics { metric value } } metrics { metric value } } } } }`;

const mutate = async (name: string, input: Record<string, unknown>, key?: string) => {
  const type = name[0].toUpperCase() + name.slice(1);
  return ok(
    await t.gql<Record<string, { engagement: Engagement | null; userErrors: UserError[] }>>(
      `mutation($i: ${type}Input!) { ${name}(input: $i) { ${E} userErrors { code field message } } }`,
      { i: input },
      key,
    ),
  )[name];
};
const read = async (id: string, key: string) =>
  ok(await t.gql(`query($id: ID!) { ${E.replace('engagement {', 'engagement(id: $id) {')} }`, { id }, key)).engagement;

/** A REVENUE_CYCLE (PHI) engagement starting this month: PILOT 1 month at 100, then STEADY at 600. */
async function engagement(
  offering: Record<string, unknown> = {},
  ramp: Record<string, unknown> = { pilotMonths: 1, pilotUnits: 100 },
) {
  const p = await provider(t);
  const offeringId = await createOffering(t, p.key, { slaTargets: SLA, ...offering });
  await setCapacity(t, p.key, offeringId, M.slice(2), 20_000);
  const b = await buyer(t);
  const needId = await createNeed(t, b.key, { monthlyVolume: 600, startMonth: M[2], durationMonths: 3 });
  const quoteId = await issueQuote(t, p.key, { needId, offeringId, ...ramp });
  const r = ok(await t.gql(ACCEPT, { i: { quoteId } }, b.key)).acceptQuote;
  expect(r.userErrors).toEqual([]);
  return { p, b, offeringId, quoteId, needId, id: r.engagement!.id as string };
}

/** Both parties sign, and the engagement is moved to have begun last month (so last month can be reported). */
async function active(offering: Record<string, unknown> = {}) {
  const w = await engagement(offering);
  expect((await mutate('signBaa', { engagementId: w.id }, w.b.key)).userErrors).toEqual([]);
  expect((await mutate('signBaa', { engagementId: w.id }, w.p.key)).engagement!.status).toBe('ACTIVE');
  await t.sql(`update engagement set start_month = $2::date where id = $1`, [w.id, `${M[1]}-01`]);
  return w;
}
const report = (w: { id: string; p: { key: string } }, month: string, clean: number, ar: number, deliveredUnits = 90) =>
  mutate(
    'recordPerformance',
    {
      engagementId: w.id,
      month,
      deliveredUnits,
      metrics: [
        { metric: 'clean_claim_rate_pct', value: clean },
        { metric: 'days_in_ar', value: ar },
      ],
    },
    w.p.key,
  );
const audit = (entityId: string, action: string) =>
  t.sql<{ changes: AuditChanges }>(`select changes from audit_event where entity_id = $1 and action = $2 order by at`, [
    entityId,
    action,
  ]);

describe('terms fixed at issue', () => {
  const QUOTE = `query($id: ID!) { quote(id: $id) { gateReportCount terminationNoticeMonths slaTargets { metric target } pricing { unitPrice monthlyMinimum tiers { fromUnits unitPrice } }
    coverageHours languages certifications warnings } }`;

  it('an offering edit changes neither an accepted quote nor its engagement; quotes issued afterwards get the new terms', async () => {
    const w = await active();
    const edit = ok(
      await t.gql(
        `mutation($i: UpdateOfferingInput!) { updateOffering(input: $i) { userErrors { code } } }`,
        {
          i: {
            id: w.offeringId,
            gateReportCount: 1,
            terminationNoticeMonths: 0,
            slaTargets: [{ ...SLA[0], target: 60 }, SLA[1]],
            pricing: { currency: 'USD', unitPrice: '9.00', setupFee: '0.00', monthlyMinimum: '500.00', tiers: [] },
            coverageHours: 'AROUND_THE_CLOCK',
            languages: ['en', 'es'],
          },
        },
        w.p.key,
      ),
    ).updateOffering;
    expect(edit.userErrors).toEqual([]);
    const q = ok(await t.gql(QUOTE, { id: w.quoteId }, w.b.key)).quote;
    expect(q).toMatchObject({
      gateReportCount: 2,
      terminationNoticeMonths: 1,
      slaTargets: [
        { metric: 'clean_claim_rate_pct', target: 80 },
        { metric: 'days_in_ar', target: 40 },
      ],
      pricing: {
        unitPrice: expect.stringMatching(/^5\.25/),
        monthlyMinimum: '0.00',
        tiers: [{ fromUnits: 10000, unitPrice: expect.stringMatching(/^4\.75/) }],
      },
      coverageHours: 'BUSINESS_HOURS',
      languages: ['en'],
      certifications: ['HIPAA_BAA'],
    });
    const e = await read(w.id, w.b.key);
    expect(e).toMatchObject({
      gateReportCount: 2,
      terminationNoticeMonths: 1,
      earliestTerminationMonth: M[3],
      slaTargets: [{ target: 80 }, { target: 40 }],
    });
    // One report is not the agreed two (the offering now says one) ...
    expect((await report(w, M[1], 90, 30)).userErrors).toEqual([]);
    expect((await mutate('advanceEngagementPhase', { engagementId: w.id }, w.b.key)).userErrors[0]).toMatchObject({
      code: 'GATE_NOT_MET',
      message: expect.stringContaining('needs 2 monthly report(s)'),
    });
    // ... and 70% meets the offering's new 60% target but not the agreed 80%.
    expect((await report(w, M[2], 70, 30)).userErrors).toEqual([]);
    const gate = await mutate('advanceEngagementPhase', { engagementId: w.id }, w.b.key);
    expect(gate.userErrors[0]).toMatchObject({
      code: 'GATE_NOT_MET',
      message: expect.stringContaining('clean_claim_rate_pct 70 (target >= 80)'),
    });
    // Termination reads the agreed notice (1 month), not the offering's new 0.
    expect(
      (await mutate('terminateEngagement', { engagementId: w.id, effectiveMonth: M[2], reason: 'x' }, w.b.key))
        .userErrors[0],
    ).toMatchObject({ code: 'INVALID_TRANSITION', message: expect.stringContaining(M[3]) });

    // Positive control: a quote issued after the edit carries the new terms.
    const b2 = await buyer(t);
    const needId = await createNeed(t, b2.key, { monthlyVolume: 600, startMonth: M[3], durationMonths: 2 });
    const fresh = ok(
      await t.gql(QUOTE, { id: await issueQuote(t, w.p.key, { needId, offeringId: w.offeringId }) }, b2.key),
    ).quote;
    expect(fresh).toMatchObject({
      gateReportCount: 1,
      terminationNoticeMonths: 0,
      slaTargets: [{ target: 60 }, { target: 40 }],
      pricing: { unitPrice: expect.stringMatching(/^9\.00/), monthlyMinimum: '500.00', tiers: [] },
      coverageHours: 'AROUND_THE_CLOCK',
      languages: ['en', 'es'],
    });
  });

  it('a pilot shorter than the gate is issued with a warning on the quote (not refused)', async () => {
    const short = await engagement({ gateReportCount: 2 }, { pilotMonths: 1, pilotUnits: 100 });
    const w1 = ok(await t.gql(QUOTE, { id: short.quoteId }, short.b.key)).quote!.warnings;
    expect(w1).toEqual([expect.stringContaining('PILOT has 1 month(s) but the phase gate needs 2 monthly report(s)')]);
    const enough = await engagement({ gateReportCount: 2 }, { pilotMonths: 2, pilotUnits: 100 });
    expect(ok(await t.gql(QUOTE, { id: enough.quoteId }, enough.b.key)).quote!.warnings).toEqual([]);
  });
});

describe('phase policy: tightened by the provider at once, loosened only by the operator', () => {
  const POLICY = `phasePolicy { currentPhase { name maxExternalShare maxActiveEngagements } phases { name maxExternalShare maxActiveEngagements } pendingChange { phases { name maxExternalShare maxActiveEngagements } requestedAt } }`;
  const SET = `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { organization { ${POLICY} } userErrors { code field message } } }`;
  const APPROVE = `mutation($i: ApprovePhasePolicyChangeInput!) { approvePhasePolicyChange(input: $i) { organization { ${POLICY} } userErrors { code message } } }`;
  const REJECT = `mutation($i: RejectPhasePolicyChangeInput!) { rejectPhasePolicyChange(input: $i) { organization { ${POLICY} } userErrors { code message } } }`;
  const DEFAULT = [
    { name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 2 },
    { name: 'EXPANSION', maxExternalShare: 0.25, maxActiveEngagements: 10 },
    { name: 'SCALE', maxExternalShare: 0.5, maxActiveEngagements: null },
  ];

  it('a provider tightening takes effect at once; a loosening waits as pendingChange until the operator approves', async () => {
    const p = await provider(t);
    const tighter = [{ ...DEFAULT[0], maxExternalShare: 0.05, maxActiveEngagements: 1 }, DEFAULT[1], DEFAULT[2]];
    const a = ok(await t.gql(SET, { i: { providerId: p.id, phases: tighter } }, p.key)).setPhasePolicy;
    expect(a.userErrors).toEqual([]);
    expect(a.organization!.phasePolicy).toMatchObject({
      currentPhase: { maxExternalShare: 0.05, maxActiveEngagements: 1 },
      pendingChange: null,
    });

    const looser = [{ name: 'PILOT', maxExternalShare: 0.25, maxActiveEngagements: null }, DEFAULT[1], DEFAULT[2]];
    const b = ok(await t.gql(SET, { i: { providerId: p.id, phases: looser } }, p.key)).setPhasePolicy;
    expect(b.userErrors).toEqual([]);
    expect(b.organization!.phasePolicy!.currentPhase).toEqual({
      name: 'PILOT',
      maxExternalShare: 0.05,
      maxActiveEngagements: 1,
    }); // unchanged
    expect(b.organization!.phasePolicy!.pendingChange!.phases[0]).toEqual({
      name: 'PILOT',
      maxExternalShare: 0.25,
      maxActiveEngagements: null,
    });
    expect(await audit(p.id, 'phasePolicy.changeRequested')).toHaveLength(1);

    // A provider cannot approve its own change; the operator can.
    expect(errorCode(await t.gql(APPROVE, { i: { providerId: p.id } }, p.key))).toBe('FORBIDDEN');
    const approved = ok(await t.gql(APPROVE, { i: { providerId: p.id } })).approvePhasePolicyChange;
    expect(approved.userErrors).toEqual([]);
    expect(approved.organization!.phasePolicy).toMatchObject({
      currentPhase: { maxExternalShare: 0.25, maxActiveEngagements: null },
      pendingChange: null,
    });
    expect(await audit(p.id, 'phasePolicy.changeApproved')).toHaveLength(1);
    expect(ok(await t.gql(APPROVE, { i: { providerId: p.id } })).approvePhasePolicyChange.userErrors[0].code).toBe(
      'INVALID_TRANSITION',
    );
  });

  it('more phases, a higher cap in a later phase, or a looser phase in force all count as loosening; the operator may reject with a reason', async () => {
    const p = await provider(t);
    for (const phases of [
      [...DEFAULT, { name: 'FULL', maxExternalShare: 1, maxActiveEngagements: null }],
      [DEFAULT[0], { ...DEFAULT[1], maxActiveEngagements: 11 }, DEFAULT[2]],
      [{ name: 'PILOT', maxExternalShare: 0.5, maxActiveEngagements: null }],
    ]) {
      const r = ok(await t.gql(SET, { i: { providerId: p.id, phases } }, p.key)).setPhasePolicy;
      expect(r.organization!.phasePolicy!.pendingChange).not.toBeNull();
      expect(r.organization!.phasePolicy!.phases).toEqual(DEFAULT);
    }
    const rejected = ok(
      await t.gql(REJECT, { i: { providerId: p.id, reason: 'The board approved 25% at most this year.' } }),
    ).rejectPhasePolicyChange;
    expect(rejected.userErrors).toEqual([]);
    expect(rejected.organization!.phasePolicy).toMatchObject({ phases: DEFAULT, pendingChange: null });
    const [ev] = await audit(p.id, 'phasePolicy.changeRejected');
    expect(ev.changes.after).toEqual({ pendingPhases: null, reason: 'The board approved 25% at most this year.' });
    expect(errorCode(await t.gql(REJECT, { i: { providerId: p.id, reason: 'x' } }, p.key))).toBe('FORBIDDEN');
    // Nobody else reads the policy or its pending change.
    const other = await provider(t);
    expect(
      ok(await t.gql(`query($id: ID!) { organization(id: $id) { ${POLICY} } }`, { id: p.id }, other.key)).organization!
        .phasePolicy,
    ).toBeNull();
  });

  it('the operator’s own change takes effect at once', async () => {
    const p = await provider(t);
    const r = ok(
      await t.gql(SET, {
        i: { providerId: p.id, phases: [{ name: 'PILOT', maxExternalShare: 0.3, maxActiveEngagements: 5 }] },
      }),
    ).setPhasePolicy;
    expect(r.organization!.phasePolicy).toMatchObject({
      currentPhase: { maxExternalShare: 0.3, maxActiveEngagements: 5 },
      pendingChange: null,
    });
  });
});

describe('two-party terms', () => {
  it('task boundaries: one party proposes, the other confirms; the proposer and the operator cannot confirm', async () => {
    const w = await engagement();
    const tasks = [
      { task: 'Claim submission', owner: 'PROVIDER' },
      { task: 'Charge capture', owner: 'BUYER' },
    ];
    expect(
      errorCode(
        await t.gql(`mutation($i: SetTaskBoundariesInput!) { setTaskBoundaries(input: $i) { userErrors { code } } }`, {
          i: { engagementId: w.id, tasks },
        }),
      ),
    ).toBe('FORBIDDEN');
    const proposed = await mutate(
      'setTaskBoundaries',
      { engagementId: w.id, tasks, escalationContact: 'CFO' },
      w.p.key,
    );
    expect(proposed.engagement).toMatchObject({
      taskBoundaries: [],
      proposedTaskBoundaries: tasks,
      taskBoundaryProposal: { side: 'PROVIDER', escalationContact: 'CFO' },
    });
    expect((await mutate('confirmTaskBoundaries', { engagementId: w.id }, w.p.key)).userErrors[0].code).toBe(
      'INVALID_TRANSITION',
    );
    expect(
      errorCode(
        await t.gql(
          `mutation($i: ConfirmTaskBoundariesInput!) { confirmTaskBoundaries(input: $i) { userErrors { code } } }`,
          { i: { engagementId: w.id } },
        ),
      ),
    ).toBe('FORBIDDEN');
    expect((await read(w.id, w.b.key))!.taskBoundaries).toEqual([]);
    const confirmed = await mutate('confirmTaskBoundaries', { engagementId: w.id }, w.b.key);
    expect(confirmed.engagement).toMatchObject({
      taskBoundaries: tasks,
      proposedTaskBoundaries: null,
      taskBoundaryProposal: null,
    });
    expect((await mutate('confirmTaskBoundaries', { engagementId: w.id }, w.b.key)).userErrors[0].code).toBe(
      'INVALID_TRANSITION',
    );
  });

  it('a confirmation naming the proposal it read is refused once that proposal was replaced', async () => {
    const w = await engagement();
    const first = [
      { task: 'Claim submission', owner: 'PROVIDER' },
      { task: 'Charge capture', owner: 'BUYER' },
    ];
    const seen = (await mutate('setTaskBoundaries', { engagementId: w.id, tasks: first }, w.p.key)).engagement;
    const proposedAt = (
      await t.gql(
        `query($id: ID!) { engagement(id: $id) { taskBoundaryProposal { proposedAt } } }`,
        { id: w.id },
        w.b.key,
      )
    ).data!.engagement!.taskBoundaryProposal!.proposedAt;
    expect(seen!.proposedTaskBoundaries).toEqual(first);
    await new Promise((r) => setTimeout(r, 5));
    const replaced = [
      { task: 'Claim submission', owner: 'BUYER' },
      { task: 'Denials', owner: 'PROVIDER' },
    ];
    expect((await mutate('setTaskBoundaries', { engagementId: w.id, tasks: replaced }, w.p.key)).userErrors).toEqual(
      [],
    );
    const stale = await mutate('confirmTaskBoundaries', { engagementId: w.id, proposedAt }, w.b.key);
    expect(stale.userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION', field: 'input.proposedAt' });
    expect(await read(w.id, w.b.key)).toMatchObject({ taskBoundaries: [], proposedTaskBoundaries: replaced });
    // Positive control: naming the current proposal confirms it.
    const current = (
      await t.gql(
        `query($id: ID!) { engagement(id: $id) { taskBoundaryProposal { proposedAt } } }`,
        { id: w.id },
        w.b.key,
      )
    ).data!.engagement!.taskBoundaryProposal!.proposedAt;
    const confirmed = await mutate('confirmTaskBoundaries', { engagementId: w.id, proposedAt: current }, w.b.key);
    expect(confirmed.engagement).toMatchObject({ taskBoundaries: replaced, proposedTaskBoundaries: null });
  });

  it('in PILOT the provider owns at most one task', async () => {
    const w = await engagement();
    const two = [
      { task: 'Claim submission', owner: 'PROVIDER' },
      { task: 'Denials', owner: 'PROVIDER' },
      { task: 'Charge capture', owner: 'BUYER' },
    ];
    const r = await mutate('setTaskBoundaries', { engagementId: w.id, tasks: two }, w.b.key);
    expect(r.userErrors[0]).toMatchObject({
      code: 'VALIDATION',
      field: 'input.tasks',
      message: expect.stringContaining('at most one task'),
    });
    expect((await read(w.id, w.b.key))!.proposedTaskBoundaries).toBeNull();
    expect(
      (await mutate('setTaskBoundaries', { engagementId: w.id, tasks: two.slice(1) }, w.b.key)).userErrors,
    ).toEqual([]);
  });

  it('the BAA is in force once both parties signed; each signature has its organization and time; the operator, the future and the past before agreement are refused', async () => {
    const w = await engagement();
    expect(
      errorCode(
        await t.gql(`mutation($i: SignBaaInput!) { signBaa(input: $i) { userErrors { code } } }`, {
          i: { engagementId: w.id },
        }),
      ),
    ).toBe('FORBIDDEN');
    const future = await mutate(
      'signBaa',
      { engagementId: w.id, signedAt: new Date(Date.now() + 86_400_000).toISOString() },
      w.b.key,
    );
    expect(future.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: 'input.signedAt' });
    const ancient = await mutate('signBaa', { engagementId: w.id, signedAt: '1999-01-01T00:00:00.000Z' }, w.b.key);
    expect(ancient.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: 'input.signedAt' });
    expect((await read(w.id, w.b.key))!.baaSignatures).toEqual([]);
    const first = await mutate('signBaa', { engagementId: w.id }, w.b.key);
    expect(first.engagement).toMatchObject({
      status: 'PENDING_BAA',
      baaSignedAt: null,
      baaSignatures: [{ side: 'BUYER', organization: { id: w.b.id } }],
    });
    expect((await mutate('signBaa', { engagementId: w.id }, w.b.key)).userErrors[0].code).toBe('INVALID_TRANSITION');
    const both = await mutate('signBaa', { engagementId: w.id }, w.p.key);
    expect(both.engagement).toMatchObject({
      status: 'ACTIVE',
      baaSignatures: [{ side: 'BUYER' }, { side: 'PROVIDER', organization: { id: w.p.id } }],
    });
    expect(both.engagement!.baaSignedAt).toBe(both.engagement!.baaSignatures[1].signedAt);
  });
});

describe('reports you can rely on', () => {
  it('refuses impossible values and unknown metrics, changing nothing', async () => {
    const w = await active();
    const bad = [
      [
        { metric: 'clean_claim_rate_pct', value: 150 },
        { metric: 'days_in_ar', value: 30 },
      ],
      [
        { metric: 'clean_claim_rate_pct', value: 90 },
        { metric: 'days_in_ar', value: -5 },
      ],
      [
        { metric: 'clean_claim_rate_pct', value: 90 },
        { metric: 'days_in_ar', value: 30 },
        { metric: 'made_up', value: 1 },
      ],
    ];
    for (const metrics of bad) {
      const r = await mutate(
        'recordPerformance',
        { engagementId: w.id, month: M[1], deliveredUnits: 90, metrics },
        w.p.key,
      );
      expect(r.userErrors[0]).toMatchObject({
        code: 'VALIDATION',
        field: expect.stringMatching(/^input\.metrics\.\d\.(value|metric)$/),
      });
    }
    const tooMany = await report(w, M[2], 90, 30, 99_999); // 100 units are scheduled this month
    expect(tooMany.userErrors[0]).toMatchObject({
      code: 'VALIDATION',
      field: 'input.deliveredUnits',
      message: expect.stringContaining('100 units scheduled'),
    });
    expect(
      errorCode(
        await t.gql(
          `mutation { recordPerformance(input: { engagementId: "${w.id}", month: "${M[1]}", deliveredUnits: -1, metrics: [] }) { userErrors { code } } }`,
          {},
          w.p.key,
        ),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(await t.sql(`select 1 from performance_report where engagement_id = $1`, [w.id])).toEqual([]);
    expect((await report(w, M[2], 100, 0, 100)).userErrors).toEqual([]); // the bounds themselves are fine
  });

  it('re-recording adds a version; the earlier ones stay readable', async () => {
    const w = await active();
    await report(w, M[1], 70, 30, 80);
    const second = await report(w, M[1], 90, 35, 85);
    const node = second.engagement!.performanceReports.edges[0].node;
    expect(node).toMatchObject({
      month: M[1],
      version: 2,
      deliveredUnits: 85,
      earlierVersions: [{ version: 1, deliveredUnits: 80, metrics: [{ value: 70 }, { value: 30 }] }],
    });
    expect(
      (await report(w, M[1], 91, 35, 86)).engagement!.performanceReports.edges[0].node.earlierVersions.map(
        (v) => v.version,
      ),
    ).toEqual([1, 2]);
  });

  it('the buyer side disputes a report: the gate is not met and says so until the buyer resolves it', async () => {
    const w = await active();
    await report(w, M[1], 90, 30);
    await report(w, M[2], 91, 31);
    const dispute = {
      engagementId: w.id,
      month: M[2],
      reason: 'Clean claim rate does not match our clearinghouse report.',
    };
    expect(
      errorCode(
        await t.gql(
          `mutation($i: DisputePerformanceReportInput!) { disputePerformanceReport(input: $i) { userErrors { code } } }`,
          { i: dispute },
          w.p.key,
        ),
      ),
    ).toBe('FORBIDDEN');
    expect(
      (await mutate('disputePerformanceReport', { ...dispute, month: M[3] }, w.b.key)).userErrors[0],
    ).toMatchObject({ code: 'VALIDATION', field: 'input.month' });
    const d = await mutate('disputePerformanceReport', dispute, w.b.key);
    expect(d.userErrors).toEqual([]);
    expect(d.engagement!.performanceReports.edges[0].node).toMatchObject({
      month: M[2],
      disputed: true,
      dispute: { reason: dispute.reason, resolvedAt: null },
    });
    expect((await mutate('disputePerformanceReport', dispute, w.b.key)).userErrors[0].code).toBe('INVALID_TRANSITION');
    const gate = await mutate('advanceEngagementPhase', { engagementId: w.id }, w.b.key);
    expect(gate.userErrors[0]).toMatchObject({
      code: 'GATE_NOT_MET',
      message: expect.stringContaining(`Report ${M[2]} is disputed`),
    });
    const resolved = await mutate('resolvePerformanceDispute', { engagementId: w.id, month: M[2] }, w.b.key);
    expect(resolved.engagement!.performanceReports.edges[0].node).toMatchObject({
      disputed: false,
      dispute: { reason: dispute.reason },
    });
    expect(
      (await mutate('resolvePerformanceDispute', { engagementId: w.id, month: M[2] }, w.b.key)).userErrors[0].code,
    ).toBe('INVALID_TRANSITION');
    expect((await mutate('advanceEngagementPhase', { engagementId: w.id }, w.b.key)).engagement!.phase).toBe('STEADY');
    expect((await audit(w.id, 'engagement.reportDisputed')).length).toBe(1);
  });
});

describe('termination with notice', () => {
  it('without cause, effectiveMonth is at least the current month plus the agreed notice; the refusal names it', async () => {
    const w = await active({ terminationNoticeMonths: 2 });
    const early = await mutate(
      'terminateEngagement',
      { engagementId: w.id, effectiveMonth: M[3], reason: 'Budget' },
      w.b.key,
    );
    expect(early.userErrors[0]).toMatchObject({
      code: 'INVALID_TRANSITION',
      field: 'input.effectiveMonth',
      message: `The earliest effectiveMonth is ${M[4]} (the agreed notice is 2 month(s)).`,
    });
    expect((await read(w.id, w.b.key))!.status).toBe('ACTIVE');
    const r = await mutate(
      'terminateEngagement',
      { engagementId: w.id, effectiveMonth: M[4], reason: 'Budget' },
      w.p.key,
    );
    expect(r.engagement!.status).toBe('TERMINATED');
  });

  it('forCause: the buyer side sooner only when the provider’s latest report missed a target; the provider never; the operator always', async () => {
    const w = await active();
    const now = { engagementId: w.id, effectiveMonth: M[2], reason: 'Missed targets', forCause: true };
    await report(w, M[1], 90, 30);
    expect((await mutate('terminateEngagement', now, w.b.key)).userErrors[0]).toMatchObject({
      code: 'INVALID_TRANSITION',
      field: 'input.forCause',
      message: expect.stringContaining(M[3]),
    });
    await report(w, M[2], 70, 30);
    expect((await mutate('terminateEngagement', now, w.p.key)).userErrors[0]).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: expect.stringContaining(M[3]),
    });
    expect((await read(w.id, w.b.key))!.status).toBe('ACTIVE');
    expect((await mutate('terminateEngagement', now, w.b.key)).engagement!.status).toBe('TERMINATED');

    const w2 = await active();
    expect(
      (
        await mutate('terminateEngagement', {
          engagementId: w2.id,
          effectiveMonth: M[2],
          reason: 'Compliance finding',
          forCause: true,
        })
      ).engagement!.status,
    ).toBe('TERMINATED');
  });

  it('only a party (or the operator) terminates: the ADMIN key of the buyer’s network is FORBIDDEN, as for every buyer action; the buyer’s own key may', async () => {
    const w = await active({ terminationNoticeMonths: 0 });
    const network = await createOrg(t, { kind: 'NETWORK', name: `Network ${Date.now()}` });
    ok(
      await t.gql(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { userErrors { code } } }`, {
        i: { id: w.b.id, networkId: network },
      }),
    );
    const networkAdmin = await createKey(t, network, 'ADMIN');
    const input = { engagementId: w.id, effectiveMonth: M[2], reason: 'Network decision' };
    const TERMINATE = `mutation($i: TerminateEngagementInput!) { terminateEngagement(input: $i) { engagement { status } userErrors { code } } }`;
    expect((await read(w.id, networkAdmin))!.status).toBe('ACTIVE'); // the network reads its member's engagement
    expect(errorCode(await t.gql(TERMINATE, { i: input }, networkAdmin))).toBe('FORBIDDEN');
    expect(
      errorCode(
        await t.gql(
          `mutation($i: SignBaaInput!) { signBaa(input: $i) { userErrors { code } } }`,
          { i: { engagementId: w.id } },
          networkAdmin,
        ),
      ),
    ).toBe('FORBIDDEN');
    expect((await read(w.id, w.b.key))!.status).toBe('ACTIVE');
    expect((await mutate('terminateEngagement', input, w.b.key)).engagement!.status).toBe('TERMINATED');
  });

  it('a notice of 0 months ends from the current month', async () => {
    const w = await active({ terminationNoticeMonths: 0 });
    expect(
      (
        await mutate(
          'terminateEngagement',
          { engagementId: w.id, effectiveMonth: M[2], reason: 'Month to month' },
          w.b.key,
        )
      ).engagement!.status,
    ).toBe('TERMINATED');
  });
});

const ISSUE_Q = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id status } userErrors { code field message requirement } } }`;
const QUOTE_STATE = `query($id: ID!) { quote(id: $id) { status closedReason aboveMaxUnitPrice costPerUnit } }`;
const held = async (key: string, offeringId: string) =>
  ok(
    await t.gql(
      `query($id: ID!) { offering(id: $id) { capacity(from: "${M[3]}", to: "${M[4]}") { heldUnits } } }`,
      { id: offeringId },
      key,
    ),
  ).offering!.capacity.map((m) => m.heldUnits);

/** A buyer's need from next month, two providers each with a live quote on it. */
async function quotedNeed(need: Record<string, unknown> = {}) {
  const b = await buyer(t);
  const needId = await createNeed(t, b.key, { monthlyVolume: 100, startMonth: M[3], durationMonths: 2, ...need });
  const sellers = [];
  for (let i = 0; i < 2; i++) {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key);
    await setCapacity(t, p.key, offeringId, [M[3], M[4]], 10_000);
    sellers.push({ p, offeringId, quoteId: await issueQuote(t, p.key, { needId, offeringId }) });
  }
  return { b, needId, sellers };
}
const UPDATE_NEED = `mutation($i: UpdateNeedInput!) { updateNeed(input: $i) { need { id monthlyVolume notes } userErrors { code field message } } }`;

describe('need changes close stale quotes', () => {
  it('notes and maxUnitPrice leave the quotes live; a priced change closes them, releases their holds and tells each provider', async () => {
    const { b, needId, sellers } = await quotedNeed();
    const notes = ok(
      await t.gql(UPDATE_NEED, { i: { id: needId, notes: 'Two payers added', maxUnitPrice: '6.0000' } }, b.key),
    ).updateNeed;
    expect(notes.userErrors).toEqual([]);
    for (const s of sellers) {
      expect(ok(await t.gql(QUOTE_STATE, { id: s.quoteId }, s.p.key)).quote!.status).toBe('ISSUED');
      expect(await held(s.p.key, s.offeringId)).toEqual([100, 100]);
    }
    const changed = ok(await t.gql(UPDATE_NEED, { i: { id: needId, monthlyVolume: 200 } }, b.key)).updateNeed;
    expect(changed.need!.monthlyVolume).toBe(200);
    for (const s of sellers) {
      const q = ok(await t.gql(QUOTE_STATE, { id: s.quoteId }, s.p.key)).quote;
      expect(q).toMatchObject({ status: 'EXPIRED', closedReason: expect.stringContaining('monthlyVolume') });
      expect(ok(await t.gql(QUOTE_STATE, { id: s.quoteId }, b.key)).quote!.closedReason).toBe(q!.closedReason); // both parties read it
      expect(await held(s.p.key, s.offeringId)).toEqual([0, 0]);
      const [ev] = await t.sql(`select party_ids from audit_event where entity_id = $1 and action = 'quote.expired'`, [
        s.quoteId,
      ]);
      expect(ev.party_ids).toContain(s.p.id); // the quote event (and webhook) reaches its provider
    }
    // Accepting a closed quote says why; quoting the changed need works.
    const accept = ok(await t.gql(ACCEPT, { i: { quoteId: sellers[0].quoteId } }, b.key)).acceptQuote;
    expect(accept.userErrors[0]).toMatchObject({
      code: 'QUOTE_EXPIRED',
      message: expect.stringContaining('changed the need'),
    });
    expect(await t.sql(`select 1 from engagement where need_id = $1`, [needId])).toEqual([]);
    const again = ok(
      await t.gql(ISSUE_Q, { i: { needId, offeringId: sellers[0].offeringId } }, sellers[0].p.key),
    ).issueQuote;
    expect(again.userErrors).toEqual([]);
    expect(await held(sellers[0].p.key, sellers[0].offeringId)).toEqual([200, 200]);
  });

  it('a cancelled need closes its quotes with that reason', async () => {
    const { b, needId, sellers } = await quotedNeed();
    ok(
      await t.gql(
        `mutation($i: CancelNeedInput!) { cancelNeed(input: $i) { userErrors { code } } }`,
        { i: { id: needId } },
        b.key,
      ),
    );
    expect(ok(await t.gql(QUOTE_STATE, { id: sellers[1].quoteId }, sellers[1].p.key)).quote).toMatchObject({
      status: 'EXPIRED',
      closedReason: 'The buyer cancelled the need.',
    });
  });
});

describe('one rule set for matching and quoting', () => {
  it('issueQuote refuses an offering that misses a hard rule with NOT_ELIGIBLE naming it, holding nothing; matching leaves it out too', async () => {
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, {
      monthlyVolume: 100,
      startMonth: M[3],
      durationMonths: 2,
      requiredCertifications: ['HIPAA_BAA'],
      coverageHours: 'EXTENDED',
      languages: ['en', 'es'],
    });
    const good: Partial<CreateOfferingInput> = {
      coverageHours: 'EXTENDED',
      languages: ['en', 'es'],
      certifications: ['HIPAA_BAA'],
    };
    const cases: [string, Partial<CreateOfferingInput>][] = [
      ['ehrPlatform', { ehrPlatformCodes: ['ORACLE_HEALTH'] }],
      ['region', { regionCodes: ['US-TX'] }],
      ['certifications', { certifications: [] }],
      ['coverageHours', { coverageHours: 'BUSINESS_HOURS' }],
      ['languages', { languages: ['en'] }],
    ];
    const p = await provider(t);
    const refused: string[] = [];
    for (const [requirement, override] of cases) {
      const offeringId = await createOffering(t, p.key, { ...good, ...override });
      await setCapacity(t, p.key, offeringId, [M[3], M[4]], 10_000);
      const r = ok(await t.gql(ISSUE_Q, { i: { needId, offeringId } }, p.key)).issueQuote;
      expect(r.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_ELIGIBLE', field: 'input.offeringId', requirement }),
      ]);
      expect(await held(p.key, offeringId)).toEqual([0, 0]);
      refused.push(offeringId);
    }
    const eligible = await createOffering(t, p.key, good);
    await setCapacity(t, p.key, eligible, [M[3], M[4]], 10_000);
    expect(ok(await t.gql(ISSUE_Q, { i: { needId, offeringId: eligible } }, p.key)).issueQuote.userErrors).toEqual([]);
    const matched = ok(
      await t.gql(
        `query($id: ID!) { matches(needId: $id, first: 50, includePartial: true) { offering { id } } }`,
        { id: needId },
        b.key,
      ),
    ).matches.map((m) => m.offering.id);
    expect(matched).toContain(eligible);
    for (const id of refused) expect(matched).not.toContain(id);
    expect(await t.sql(`select 1 from quote where offering_id = any($1::uuid[])`, [refused])).toEqual([]);
  });

  it('a provider with no engagement slot left gets PHASE_LIMIT_REACHED, nothing held', async () => {
    const p = await provider(t);
    const SET = `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`;
    ok(
      await t.gql(SET, {
        i: {
          providerId: p.id,
          phases: [
            { name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 0 },
            { name: 'EXPANSION', maxExternalShare: 0.25, maxActiveEngagements: 10 },
          ],
        },
      }),
    );
    const offeringId = await createOffering(t, p.key);
    await setCapacity(t, p.key, offeringId, [M[3], M[4]], 10_000);
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { monthlyVolume: 100, startMonth: M[3], durationMonths: 2 });
    const r = ok(await t.gql(ISSUE_Q, { i: { needId, offeringId } }, p.key)).issueQuote;
    expect(r.userErrors[0]).toMatchObject({ code: 'PHASE_LIMIT_REACHED', message: expect.stringContaining('PILOT') }); // its own phase: the provider may read it
    expect(await held(p.key, offeringId)).toEqual([0, 0]);
    ok(
      await t.gql(SET, {
        i: {
          providerId: p.id,
          phases: [
            { name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 1 },
            { name: 'EXPANSION', maxExternalShare: 0.25, maxActiveEngagements: 10 },
          ],
        },
      }),
    );
    expect(ok(await t.gql(ISSUE_Q, { i: { needId, offeringId } }, p.key)).issueQuote.userErrors).toEqual([]);
  });
});

describe('honest outcomes', () => {
  it('a rival quote that had already lapsed when another was accepted stays EXPIRED (it did not lose), not NOT_AWARDED', async () => {
    const { b, sellers } = await quotedNeed();
    const [winner, lapsed] = sellers;
    await t.sql(`update quote set expires_at = now() - interval '1 minute' where id = $1`, [lapsed.quoteId]);
    expect(ok(await t.gql(QUOTE_STATE, { id: lapsed.quoteId }, lapsed.p.key)).quote!.status).toBe('EXPIRED');
    expect(ok(await t.gql(ACCEPT, { i: { quoteId: winner.quoteId } }, b.key)).acceptQuote.userErrors).toEqual([]);
    expect(ok(await t.gql(QUOTE_STATE, { id: lapsed.quoteId }, lapsed.p.key)).quote).toMatchObject({
      status: 'EXPIRED',
      closedReason: 'The quote lapsed at its expiry.',
    });
    expect(
      await t.sql(`select action from audit_event where entity_id = $1 and action like 'quote.%' order by at`, [
        lapsed.quoteId,
      ]),
    ).toEqual([{ action: 'quote.issued' }, { action: 'quote.expired' }]);
  });

  it('a quote that lost is NOT_AWARDED, with its closedReason visible to both parties; decline and withdraw reasons too', async () => {
    const { b, sellers } = await quotedNeed();
    const [winner, loser] = sellers;
    expect(ok(await t.gql(ACCEPT, { i: { quoteId: winner.quoteId } }, b.key)).acceptQuote.userErrors).toEqual([]);
    for (const key of [loser.p.key, b.key]) {
      expect(ok(await t.gql(QUOTE_STATE, { id: loser.quoteId }, key)).quote).toMatchObject({
        status: 'NOT_AWARDED',
        closedReason: 'The buyer accepted another quote on this need.',
      });
    }
    expect(
      ok(
        await t.gql(`{ quotes(first: 5, filter: { status: NOT_AWARDED }) { edges { node { id } } } }`, {}, loser.p.key),
      ).quotes.edges.map((e) => e.node.id),
    ).toEqual([loser.quoteId]);

    const second = await quotedNeed();
    ok(
      await t.gql(
        `mutation($i: DeclineQuoteInput!) { declineQuote(input: $i) { userErrors { code } } }`,
        { i: { id: second.sellers[0].quoteId, reason: 'Above our budget' } },
        second.b.key,
      ),
    );
    expect(
      ok(await t.gql(QUOTE_STATE, { id: second.sellers[0].quoteId }, second.sellers[0].p.key)).quote,
    ).toMatchObject({ status: 'DECLINED', closedReason: 'Above our budget' });
    ok(
      await t.gql(
        `mutation($i: WithdrawQuoteInput!) { withdrawQuote(input: $i) { userErrors { code } } }`,
        { i: { id: second.sellers[1].quoteId, reason: 'Capacity promised to a member hospital' } },
        second.sellers[1].p.key,
      ),
    );
    expect(ok(await t.gql(QUOTE_STATE, { id: second.sellers[1].quoteId }, second.b.key)).quote).toMatchObject({
      status: 'WITHDRAWN',
      closedReason: 'Capacity promised to a member hospital',
    });
  });

  it('quote comparison flags a cost per unit above the buyer’s maximum, for the buyer side only', async () => {
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, {
      monthlyVolume: 100,
      startMonth: M[3],
      durationMonths: 2,
      maxUnitPrice: '6.0000',
    });
    const flags: Record<string, unknown> = {};
    for (const [name, pricing] of [
      ['cheap', { currency: 'USD', unitPrice: '5.25', setupFee: '0.00', monthlyMinimum: '0.00', tiers: [] }],
      ['minimum', { currency: 'USD', unitPrice: '5.25', setupFee: '0.00', monthlyMinimum: '840.00', tiers: [] }], // 8.40 per unit with the minimum
    ] satisfies [string, PricingInput][]) {
      const p = await provider(t);
      const offeringId = await createOffering(t, p.key, { pricing });
      await setCapacity(t, p.key, offeringId, [M[3], M[4]], 10_000);
      const quoteId = await issueQuote(t, p.key, { needId, offeringId });
      flags[name] = ok(await t.gql(QUOTE_STATE, { id: quoteId }, b.key)).quote;
      expect(ok(await t.gql(QUOTE_STATE, { id: quoteId }, p.key)).quote!.aboveMaxUnitPrice).toBeNull(); // the budget is the buyer's
    }
    expect(flags).toEqual({
      cheap: expect.objectContaining({ aboveMaxUnitPrice: false, costPerUnit: '5.25' }),
      minimum: expect.objectContaining({ aboveMaxUnitPrice: true, costPerUnit: '8.40' }),
    });
  });
});
