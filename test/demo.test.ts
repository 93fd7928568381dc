// The demo network as `npm start` loads it into an empty database: organizations and offerings,
// and a living marketplace (needs, quotes in every status, engagements in every status and phase
// with performance history, capacity months near their phase limit), consistent with the ledger.
import { addMonths, currentMonth } from '../src/shared/month';
import { type Answer, ok, startTestApi, type TestApi } from './support/api';
import type { Engagement } from './support/schema-types';

const DEMO_OPERATOR = 'hsx_demo_operator';
const DEMO_BUYER_ADMIN = 'hsx_demo_buyer_admin';
const DEMO_PROVIDER_ADMIN = 'hsx_demo_provider_admin';

let t: TestApi;
const q = <T = Answer>(query: string, variables: Record<string, unknown> = {}, key: string = DEMO_OPERATOR) =>
  t.gql<T>(query, variables, key).then(ok);

beforeAll(async () => {
  t = await startTestApi({ DEMO_DATA: 'true' });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('the demo network', () => {
  it('has its organizations and published offerings', async () => {
    const d = await q(
      `{ organizations(first: 1) { totalCount } offerings(first: 1, filter: { status: PUBLISHED }) { totalCount } }`,
    );
    expect(d.organizations.totalCount).toBeGreaterThanOrEqual(50);
    expect(d.offerings.totalCount).toBeGreaterThanOrEqual(40);
  });

  it('has about 25 needs, mostly open, one cancelled and one closed', async () => {
    const count = async (status: string) =>
      (await q(`query($s: NeedStatus) { needs(first: 1, filter: { status: $s }) { totalCount } }`, { s: status })).needs
        .totalCount;
    const [open, awarded, closed, cancelled] = await Promise.all(['OPEN', 'AWARDED', 'CLOSED', 'CANCELLED'].map(count));
    expect(open + awarded + closed + cancelled).toBeGreaterThanOrEqual(22);
    expect(open).toBeGreaterThan(awarded + closed + cancelled);
    expect(cancelled).toBe(1);
    expect(closed).toBe(1);
  });

  it('has quotes in all seven statuses, and needs with competing quotes', async () => {
    for (const status of ['ISSUED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN', 'SUPERSEDED', 'NOT_AWARDED']) {
      const d = await q(`query($s: QuoteStatus) { quotes(first: 1, filter: { status: $s }) { totalCount } }`, {
        s: status,
      });
      expect([status, d.quotes.totalCount >= 1]).toEqual([status, true]);
    }
    const [{ n }] = await t.sql<{ n: number }>(
      `select count(*)::int as n from (select need_id from quote where status = 'ISSUED' and expires_at > now() group by need_id having count(distinct provider_id) >= 2) x`,
    );
    expect(n).toBeGreaterThanOrEqual(2);
    const declined = await q(`{ quotes(first: 5, filter: { status: DECLINED }) { edges { node { closedReason } } } }`);
    expect(declined.quotes.edges[0].node.closedReason).toMatch(/budget/);
  });

  it('has engagements in all four statuses, and active ones in all three phases', async () => {
    const byStatus: Record<string, Engagement[]> = {};
    for (const status of ['PENDING_BAA', 'ACTIVE', 'COMPLETED', 'TERMINATED']) {
      const d = await q(
        `query($s: EngagementStatus) { engagements(first: 50, filter: { status: $s }) { totalCount edges { node {
           id phase status startMonth endMonth baaRequired baaSignedAt escalationContact terminationReason
           taskBoundaries { task owner } need { status } performanceReports(first: 20) { totalCount edges { node { month phase allTargetsMet } } } } } } }`,
        { s: status },
      );
      expect([status, d.engagements.totalCount >= 1]).toEqual([status, true]);
      byStatus[status] = d.engagements.edges.map((e) => e.node);
    }
    const active = byStatus.ACTIVE;
    expect(new Set(active.map((e) => e.phase))).toEqual(new Set(['PILOT', 'EXPANSION', 'STEADY']));
    expect(byStatus.PENDING_BAA.every((e) => e.baaRequired && !e.baaSignedAt)).toBe(true);
    expect(active.every((e) => !e.baaRequired || e.baaSignedAt)).toBe(true);
    expect(byStatus.TERMINATED[0].terminationReason).toBeTruthy();
    expect(byStatus.COMPLETED[0].need.status).toBe('CLOSED');
    expect(byStatus.COMPLETED[0].endMonth < currentMonth()).toBe(true);

    const all = Object.values(byStatus).flat();
    const withTasks = all.filter((e) => e.taskBoundaries.length >= 3 && e.escalationContact);
    expect(withTasks.length).toBeGreaterThanOrEqual(all.length - 1);

    // Steady engagements report every month from their start up to last month.
    for (const e of active.filter((x) => x.phase === 'STEADY')) {
      const months = e.performanceReports.edges.map((r) => r.node.month).sort();
      expect(months[0]).toBe(e.startMonth);
      expect(months[months.length - 1]).toBe(addMonths(currentMonth(), -1));
      expect(e.performanceReports.totalCount).toBeGreaterThanOrEqual(4);
    }
    // One engagement held in PILOT: its last pilot report missed a target, so the gate refused.
    const held = active.find(
      (e) => e.phase === 'PILOT' && e.performanceReports.edges.some((r) => !r.node.allTargetsMet),
    );
    expect(held).toBeDefined();
    const refused = await t.gql(
      `mutation($id: ID!) { advanceEngagementPhase(input: { engagementId: $id }) { userErrors { code message } } }`,
      { id: held!.id },
      DEMO_OPERATOR,
    );
    expect(ok(refused).advanceEngagementPhase.userErrors[0].code).toBe('GATE_NOT_MET');
  });

  it('runs some capacity months close to their phase limit, and never over it', async () => {
    const providers = await q(
      `{ organizations(first: 100, filter: { kind: HEALTH_SYSTEM }) { edges { node { id name } } } }`,
    );
    const from = addMonths(currentMonth(), -8);
    const to = addMonths(currentMonth(), 23);
    const near: string[] = [];
    for (const { node } of providers.organizations.edges) {
      const d = await q(
        `query($p: ID!, $from: Month!, $to: Month!) { capacityOverview(providerId: $p, from: $from, to: $to) { offering { title } months { month utilization reservedUnits sellableUnits } } }`,
        { p: node.id, from, to },
      );
      for (const o of d.capacityOverview) {
        for (const m of o.months) {
          expect(m.reservedUnits).toBeLessThanOrEqual(m.sellableUnits!);
          if (m.utilization !== null && m.utilization >= 0.8) near.push(`${o.offering.title} ${m.month}`);
        }
      }
    }
    expect(near.length).toBeGreaterThanOrEqual(3);

    // Counters equal the sums of ACTIVE reservations, and never exceed sellable units.
    const drift = await t.sql(
      `select c.offering_id, c.month from capacity_month c
         left join (select offering_id, month,
                           coalesce(sum(units) filter (where kind = 'HELD'), 0) as held,
                           coalesce(sum(units) filter (where kind = 'COMMITTED'), 0) as committed,
                           coalesce(sum(units) filter (where kind = 'CONDITIONAL'), 0) as conditional
                      from reservation where status = 'ACTIVE' group by offering_id, month) r
           on r.offering_id = c.offering_id and r.month = c.month
        where c.held_units <> coalesce(r.held, 0) or c.committed_units <> coalesce(r.committed, 0)
           or c.conditional_units <> coalesce(r.conditional, 0)
           or c.held_units + c.committed_units + c.conditional_units > c.sellable_units`,
    );
    expect(drift).toEqual([]);
    // No lapsed hold is left counting, and no ISSUED quote is past its expiry.
    const [{ lapsed }] = await t.sql(
      `select count(*)::int as lapsed from reservation where status = 'ACTIVE' and kind = 'HELD' and expires_at <= now()`,
    );
    expect(lapsed).toBe(0);
  });

  it('shows the trust rules: a pending policy change, a disputed report, a proposal awaiting confirmation, two-party BAAs', async () => {
    const pending = await q(
      `{ viewer { organization { phasePolicy { currentPhase { maxActiveEngagements } pendingChange { phases { name maxActiveEngagements } } } } } }`,
      {},
      DEMO_PROVIDER_ADMIN,
    );
    const policy = pending.viewer.organization!.phasePolicy;
    expect(policy!.pendingChange!.phases[0].maxActiveEngagements).toBe(policy!.currentPhase.maxActiveEngagements! + 2);
    const engagements =
      await q(`{ engagements(first: 50) { edges { node { status baaRequired baaSignatures { side } proposedTaskBoundaries { task }
      performanceReports(first: 30) { edges { node { disputed dispute { reason } } } } } } } }`);
    const nodes = engagements.engagements.edges.map((e) => e.node);
    expect(nodes.filter((e) => e.proposedTaskBoundaries).length).toBe(1);
    const disputed = nodes.flatMap((e) => e.performanceReports.edges.map((r) => r.node)).filter((r) => r.disputed);
    expect(disputed).toEqual([{ disputed: true, dispute: { reason: expect.stringContaining('reconcile') } }]);
    for (const e of nodes.filter((x) => x.baaRequired && x.status !== 'PENDING_BAA'))
      expect(e.baaSignatures.map((s) => s.side).sort()).toEqual(['BUYER', 'PROVIDER']);
    const buyerView = await q(
      `{ engagements(first: 20) { edges { node { proposedTaskBoundaries { task owner } taskBoundaryProposal { side } } } } }`,
      {},
      DEMO_BUYER_ADMIN,
    );
    expect(buyerView.engagements.edges.map((e) => e.node.taskBoundaryProposal?.side)).toContain('PROVIDER');
  });

  it('shows each demo key its own side of the market', async () => {
    const buyer = await q(
      `{ viewer { role } quotes(first: 20) { totalCount edges { node { status } } } engagements(first: 5) { totalCount } }`,
      {},
      DEMO_BUYER_ADMIN,
    );
    expect(buyer.quotes.edges.map((e) => e.node.status)).toEqual(
      expect.arrayContaining(['ISSUED', 'SUPERSEDED', 'ACCEPTED']),
    );
    expect(buyer.engagements.totalCount).toBeGreaterThanOrEqual(1);
    const provider = await q(
      `{ quotes(first: 20) { edges { node { status } } } engagements(first: 5) { totalCount } }`,
      {},
      DEMO_PROVIDER_ADMIN,
    );
    expect(provider.quotes.edges.map((e) => e.node.status)).toEqual(
      expect.arrayContaining(['ISSUED', 'DECLINED', 'ACCEPTED']),
    );
    expect(provider.engagements.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('quotes only offerings that serve the need (EHR, region, certifications, hours, languages)', async () => {
    const open = await q(`{ needs(first: 50) { edges { node { id } } } }`);
    let checked = 0;
    const unmatched: string[] = [];
    for (const { node } of open.needs.edges) {
      const d = await q(
        `query($id: ID!) { quotes(first: 10, filter: { needId: $id }) { edges { node { offering { id title } buyer { name } } } } matches(needId: $id, first: 20, includePartial: true) { offering { id } } }`,
        { id: node.id },
      );
      const matched = new Set(d.matches.map((m) => m.offering.id));
      for (const e of d.quotes.edges) {
        if (!matched.has(e.node.offering.id)) unmatched.push(`${e.node.offering.title} for ${e.node.buyer.name}`);
        checked++;
      }
    }
    expect(unmatched).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(25);
  });
});
