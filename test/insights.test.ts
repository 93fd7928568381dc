// The business views agree with the rows they summarize. A small network is generated through the API
// (providers, offerings, capacity, needs, quotes won, lost, declined, withdrawn, lapsed and revised,
// engagements with reports, a termination); each summary is then computed again, independently, from
// the detailed queries (quotes, engagements, reports, capacityOverview, matches) and compared. Also:
// who may read which view ("not yours" reads as not found), and a fixed number of SQL statements each.
import Decimal from 'decimal.js';
import { errorCode, ok, OPERATOR_KEY, startTestApi, type TestApi } from './support/api';
import type { CreateOfferingInput, Quote, SlaTargetInput, UserError } from './support/schema-types';
import {
  ACCEPT,
  buyer,
  createKey,
  createNeed,
  createOffering,
  issueQuote,
  nextMonth,
  provider,
  setCapacity,
} from './support/fixtures';

let t: TestApi;
const M = Array.from({ length: 6 }, (_, i) => nextMonth(i));
const PAST = nextMonth(-1);
const SLA: SlaTargetInput[] = [
  { metric: 'report_accuracy_pct', target: 95, unit: '%', direction: 'AT_LEAST' },
  { metric: 'turnaround_days', target: 5, unit: 'days', direction: 'AT_MOST' },
];

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface World {
  p0: { id: string; key: string; sales: string };
  p1: { id: string; key: string };
  b0: { id: string; key: string };
  b1: { id: string; key: string };
  reasons: string[];
  engagements: string[];
}
let w: World;

const mutate = async (
  name: string,
  input: Record<string, unknown>,
  key: string,
  fields = 'userErrors { code message }',
) => {
  const type = name[0].toUpperCase() + name.slice(1);
  const r = ok(
    await t.gql<Record<string, { userErrors?: UserError[] }>>(
      `mutation($i: ${type}Input!) { ${name}(input: $i) { ${fields} } }`,
      { i: input },
      key,
    ),
  )[name];
  if (r.userErrors?.length) throw new Error(`${name}: ${JSON.stringify(r.userErrors)}`);
  return r;
};

async function generate(): Promise<World> {
  const rnd = prng(20);
  const p0 = await provider(t, { stateCode: 'US-OH', ehrPlatformCode: 'EPIC' });
  const p1 = await provider(t, { stateCode: 'US-MI', ehrPlatformCode: 'EPIC' });
  const b0 = await buyer(t, { ehrPlatformCode: 'EPIC' });
  const b1 = await buyer(t, { ehrPlatformCode: 'EPIC', stateCode: 'US-IN' });
  const analytics: Partial<CreateOfferingInput> = {
    categoryCode: 'DATA_ANALYTICS',
    slaTargets: SLA,
    certifications: [],
  };
  const mine = [
    await createOffering(t, p0.key, { ...analytics, regionCodes: ['US-OH', 'US-IN'] }),
    await createOffering(t, p0.key, {
      ...analytics,
      regionCodes: ['NATIONWIDE'],
      pricing: { currency: 'USD', unitPrice: '4.10', setupFee: '500.00', monthlyMinimum: '250.00', tiers: [] },
    }),
    await createOffering(t, p0.key, { categoryCode: 'REVENUE_CYCLE', regionCodes: ['HHS-5'], slaTargets: SLA }),
    await createOffering(t, p0.key, { ...analytics, regionCodes: ['US-OH'] }, false), // a draft: in utilization, never servable
  ];
  const theirs = [
    await createOffering(t, p1.key, { ...analytics, regionCodes: ['HHS-5'] }),
    await createOffering(t, p1.key, { categoryCode: 'REVENUE_CYCLE', regionCodes: ['NATIONWIDE'] }),
  ];
  // Room to sell: half of the capacity, ten engagements.
  for (const p of [p0, p1]) {
    ok(
      await t.gql(`mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`, {
        i: {
          providerId: p.id,
          phases: [
            { name: 'PILOT', maxExternalShare: 0.5, maxActiveEngagements: 10 },
            { name: 'SCALE', maxExternalShare: 0.8, maxActiveEngagements: null },
          ],
        },
      }),
    );
  }
  for (const [i, id] of mine.entries()) await setCapacity(t, p0.key, id, M, 4000 + 1000 * i);
  for (const id of theirs) await setCapacity(t, p1.key, id, M, 6000);

  const reasons: string[] = [];
  const engagements: string[] = [];
  const quoteFor = async (seller: { key: string }, offeringId: string, needId: string) =>
    issueQuote(t, seller.key, {
      needId,
      offeringId,
      pilotMonths: 1,
      pilotUnits: 40,
      validDays: rnd() < 0.4 ? 3 : 10 + Math.floor(rnd() * 50),
    });
  // Needs: the action on each cycles through every ending a quote can have.
  const actions = [
    'won',
    'lost',
    'declined',
    'withdrawn',
    'lapsed',
    'revised',
    'open',
    'won',
    'open',
    'declined',
    'won',
    'open',
  ] as const;
  for (const [i, action] of actions.entries()) {
    const by = i % 3 === 2 ? b1 : b0;
    const category = i % 4 === 3 ? 'REVENUE_CYCLE' : 'DATA_ANALYTICS';
    const needId = await createNeed(t, by.key, {
      categoryCode: category,
      monthlyVolume: 100 + Math.floor(rnd() * 300),
      startMonth: M[action === 'won' ? 0 : Math.floor(rnd() * 2)],
      durationMonths: 2 + Math.floor(rnd() * 3),
      regionCode: by === b1 ? 'US-IN' : 'US-OH',
      ...(category === 'REVENUE_CYCLE' ? { requiredCertifications: ['HIPAA_BAA'] } : {}),
    });
    const myOffering = category === 'REVENUE_CYCLE' ? mine[2] : mine[i % 2];
    const my = await quoteFor(p0, myOffering, needId);
    const their = await quoteFor(p1, category === 'REVENUE_CYCLE' ? theirs[1] : theirs[0], needId);
    if (action === 'won') {
      const r = ok(await t.gql(ACCEPT, { i: { quoteId: my } }, by.key)).acceptQuote;
      expect(r.userErrors).toEqual([]);
      engagements.push(r.engagement!.id);
    } else if (action === 'lost') {
      expect(ok(await t.gql(ACCEPT, { i: { quoteId: their } }, by.key)).acceptQuote.userErrors).toEqual([]);
    } else if (action === 'declined') {
      const reason = reasons.length % 2 ? 'Price above budget' : 'Chose to keep it in house';
      reasons.push(reason);
      await mutate('declineQuote', { id: my, reason }, by.key);
    } else if (action === 'withdrawn') {
      await mutate('withdrawQuote', { id: my }, p0.key);
    } else if (action === 'lapsed') {
      await t.sql(`update quote set expires_at = now() - interval '1 hour' where id = $1`, [my]);
    } else if (action === 'revised') {
      await mutate('reviseQuote', { quoteId: my, discountPercent: 5 }, p0.key);
    }
  }
  // Engagements: signed where PHI is touched, reports for the current month, one terminated early.
  for (const [i, id] of engagements.entries()) {
    const e = ok(
      await t.gql(`query($id: ID!) { engagement(id: $id) { status buyer { id } } }`, { id }, p0.key),
    ).engagement;
    const buyerKey = e!.buyer.id === b0.id ? b0.key : b1.key;
    if (e!.status === 'PENDING_BAA') {
      await mutate('signBaa', { engagementId: id }, buyerKey);
      await mutate('signBaa', { engagementId: id }, p0.key).catch(() => undefined);
    }
    await mutate(
      'recordPerformance',
      {
        engagementId: id,
        month: M[0],
        deliveredUnits: 30 + 5 * i,
        metrics: [
          { metric: 'report_accuracy_pct', value: 93 + 2 * i },
          { metric: 'turnaround_days', value: 4 },
        ],
      },
      p0.key,
    );
    if (i === 2)
      await mutate(
        'disputePerformanceReport',
        { engagementId: id, month: M[0], reason: 'Volumes do not match our count' },
        buyerKey,
      );
    if (i === 1)
      await mutate('terminateEngagement', { engagementId: id, effectiveMonth: M[1], reason: 'Budget cut' }, buyerKey);
  }
  // b0 also works with p1 in analytics (fragmentation) and p1 sells revenue cycle (a consolidation candidate elsewhere).
  const extra = await createNeed(t, b0.key, {
    categoryCode: 'DATA_ANALYTICS',
    monthlyVolume: 50,
    startMonth: M[0],
    durationMonths: 2,
  });
  const q = await quoteFor(p1, theirs[0], extra);
  const r = ok(await t.gql(ACCEPT, { i: { quoteId: q } }, b0.key)).acceptQuote;
  expect(r.userErrors).toEqual([]);
  return { p0: { ...p0, sales: await createKey(t, p0.id, 'SALES') }, p1, b0, b1, reasons, engagements };
}

beforeAll(async () => {
  t = await startTestApi();
  w = await generate();
}, 120_000);
afterAll(() => t.close());

const money = (x: Decimal.Value) => new Decimal(x).toFixed(2);
const sum = (xs: Decimal.Value[]) => xs.reduce<Decimal>((s, x) => s.plus(x), new Decimal(0));

const PIPELINE = `query($p: ID, $from: Month!, $to: Month!) { pipeline(providerId: $p, from: $from, to: $to) {
  providerId open { quoteId needId total currency expiresAt daysToExpiry expiringSoon quote { id status } }
  openTotals { currency amount } expiringSoonCount byExpiry { label withinDays count totals { currency amount } }
  outcomes { outcome count totals { currency amount } reasons { reason count } } winRate } }`;
const REVENUE = `query($p: ID, $from: Month!, $to: Month!) { bookedRevenue(providerId: $p, from: $from, to: $to) {
  currency committedTotal conditionalTotal deliveredTotal
  months { month committedAmount conditionalAmount deliveredAmount committedUnits conditionalUnits deliveredUnits engagements } } }`;
const UTILIZATION = `query($p: ID, $from: Month!, $to: Month!) { utilization(providerId: $p, from: $from, to: $to) {
  phase maxExternalShare engagementSlots { used limit label }
  offerings { offeringId title peakMonth peakUtilization headroomUnits offering { id status }
    months { month totalUnits sellableUnits heldUnits committedUnits conditionalUnits soldUnits availableUnits utilization shareOfTotal } }
  totals { month totalUnits sellableUnits soldUnits availableUnits } } }`;
const SERVABLE = `query($p: ID) { servableDemand(providerId: $p, first: 100) { totalCount quotedCount
  needs { needId categoryCode monthlyVolume months quoted bestFit need { id status }
    offerings { offeringId fit minAvailableUnits estimatedMonthlyCost currency quoteId } } } }`;
const PORTFOLIO = `query($b: ID) { vendorPortfolio(buyerId: $b) { buyerId activeEngagements vendorCount fragmentedCategories
  categories { categoryCode activeEngagements fragmented consolidationCandidateIds vendors { providerId engagementIds provider { id } } } } }`;

describe('provider views agree with the rows', () => {
  it('pipeline: open quotes and closed outcomes equal what the quotes list gives', async () => {
    const from = PAST;
    const to = M[0];
    const view = ok(await t.gql(PIPELINE, { from, to }, w.p0.key)).pipeline;
    const quotes = ok(
      await t.gql(
        `{ quotes(first: 100) { totalCount edges { node { id status closedReason total currency expiresAt need { id status } } } } }`,
        {},
        w.p0.key,
      ),
    ).quotes;
    expect(quotes.totalCount).toBeLessThanOrEqual(100);
    const rows = quotes.edges.map((e) => e.node);
    const open = rows
      .filter((q) => q.status === 'ISSUED')
      .sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : a.id < b.id ? -1 : 1));
    expect(view.open.map((q) => q.quoteId)).toEqual(open.map((q) => q.id));
    expect(view.open.map((q) => [q.total, q.currency, q.quote!.status])).toEqual(
      open.map((q) => [q.total, q.currency, 'ISSUED']),
    );
    expect(view.openTotals).toEqual([{ currency: 'USD', amount: money(sum(open.map((q) => q.total))) }]);
    const days = (q: Quote) => (Date.parse(q.expiresAt) - Date.now()) / 86_400_000;
    expect(view.expiringSoonCount).toBe(open.filter((q) => days(q) <= 7).length);
    expect(view.expiringSoonCount).toBeGreaterThan(0);
    expect(view.byExpiry.reduce((s, b) => s + b.count, 0)).toBe(open.length);
    expect(view.byExpiry[0]).toMatchObject({ label: '0-7 days', count: view.expiringSoonCount });

    const outcomeOf = (q: Quote) =>
      ({ ACCEPTED: 'WON', DECLINED: 'DECLINED', WITHDRAWN: 'WITHDRAWN', NOT_AWARDED: 'LOST' })[q.status as string] ??
      (q.status === 'EXPIRED' ? 'EXPIRED' : null);
    const closed = rows.filter((q) => outcomeOf(q));
    for (const o of view.outcomes) {
      const mine = closed.filter((q) => outcomeOf(q) === o.outcome);
      expect([o.outcome, o.count]).toEqual([o.outcome, mine.length]);
      expect(o.totals).toEqual(mine.length ? [{ currency: 'USD', amount: money(sum(mine.map((q) => q.total))) }] : []);
    }
    const count = (o: string) => closed.filter((q) => outcomeOf(q) === o).length;
    for (const o of ['WON', 'LOST', 'DECLINED', 'EXPIRED', 'WITHDRAWN']) expect(count(o)).toBeGreaterThan(0);
    expect(view.winRate).toBeCloseTo(
      count('WON') / (count('WON') + count('LOST') + count('DECLINED') + count('EXPIRED')),
      4,
    );
    for (const o of view.outcomes) {
      const given: string[] = closed
        .filter((q) => outcomeOf(q) === o.outcome && q.closedReason)
        .map((q) => q.closedReason!);
      const counted = [...new Set<string>(given)].map((reason) => ({
        reason,
        count: given.filter((r) => r === reason).length,
      }));
      expect([...o.reasons].sort((a, b) => (a.reason < b.reason ? -1 : 1))).toEqual(
        counted.sort((a, b) => (a.reason < b.reason ? -1 : 1)),
      );
    }
    const declined = view.outcomes.find((o) => o.outcome === 'DECLINED');
    expect(declined!.reasons.map((r) => r.reason).sort()).toEqual([...new Set(w.reasons)].sort());

    // A period before anything closed has no outcomes; the open quotes do not depend on the period.
    const earlier = ok(await t.gql(PIPELINE, { from: nextMonth(-12), to: nextMonth(-11) }, w.p0.key)).pipeline;
    expect(earlier.outcomes.every((o) => o.count === 0)).toBe(true);
    expect(earlier.winRate).toBeNull();
    expect(earlier.open).toEqual(view.open);
  });

  it('bookedRevenue: committed, conditional and delivered equal the engagements’ schedules and reports', async () => {
    const from = PAST;
    const to = M[5];
    const [view] = ok(await t.gql(REVENUE, { from, to }, w.p0.key)).bookedRevenue;
    const list = ok(
      await t.gql(
        `query($p: ID!) { engagements(filter: { providerId: $p }, first: 20) { edges { node { id phase status serviceEndMonth quote { currency }
          schedule { month units phase unitPrice amount } performanceReports(first: 10) { edges { node { month deliveredUnits } } } } } } }`,
        { p: w.p0.id },
        w.p0.key,
      ),
    ).engagements.edges.map((e) => e.node);
    expect(list.length).toBe(w.engagements.length);
    const order = ['PILOT', 'EXPANSION', 'STEADY'];
    const expected = new Map<
      string,
      { c: Decimal; k: Decimal; d: Decimal; cu: number; ku: number; du: number; n: number }
    >();
    for (const e of list) {
      const delivered = new Map(e.performanceReports.edges.map((r) => [r.node.month, r.node.deliveredUnits]));
      for (const l of e.schedule) {
        if (l.month < from || l.month > to || (e.serviceEndMonth && l.month > e.serviceEndMonth)) continue;
        const m = expected.get(l.month) ?? {
          c: new Decimal(0),
          k: new Decimal(0),
          d: new Decimal(0),
          cu: 0,
          ku: 0,
          du: 0,
          n: 0,
        };
        const reached = order.indexOf(l.phase) <= order.indexOf(e.phase);
        if (reached) (m.c = m.c.plus(l.amount)), (m.cu += l.units);
        else (m.k = m.k.plus(l.amount)), (m.ku += l.units);
        const d = delivered.get(l.month) as number | undefined;
        if (d !== undefined)
          (m.d = m.d.plus(new Decimal(d).times(l.unitPrice).toDecimalPlaces(2, Decimal.ROUND_HALF_UP))), (m.du += d);
        m.n += 1;
        expected.set(l.month, m);
      }
    }
    expect(view.currency).toBe('USD');
    expect(view.months.map((m) => m.month)).toEqual(Array.from({ length: 7 }, (_, i) => nextMonth(i - 1)));
    for (const m of view.months) {
      const e = expected.get(m.month);
      expect(m).toEqual({
        month: m.month,
        committedAmount: money(e?.c ?? 0),
        conditionalAmount: money(e?.k ?? 0),
        deliveredAmount: money(e?.d ?? 0),
        committedUnits: e?.cu ?? 0,
        conditionalUnits: e?.ku ?? 0,
        deliveredUnits: e?.du ?? 0,
        engagements: e?.n ?? 0,
      });
    }
    expect(view.committedTotal).toBe(money(sum(view.months.map((m) => m.committedAmount))));
    expect(new Decimal(view.conditionalTotal).gt(0)).toBe(true);
    expect(new Decimal(view.deliveredTotal).gt(0)).toBe(true);
    // The terminated engagement books nothing after its last month of service.
    expect(list.some((e) => e.serviceEndMonth === M[0])).toBe(true);
  });

  it('utilization: every month equals capacityOverview, with peak, headroom and the phase slots', async () => {
    const view = ok(await t.gql(UTILIZATION, { from: M[0], to: M[5] }, w.p0.key)).utilization;
    const overview = ok(
      await t.gql(
        `query($p: ID!, $from: Month!, $to: Month!) { capacityOverview(providerId: $p, from: $from, to: $to) { offering { id }
          months { month totalUnits sellableUnits heldUnits committedUnits conditionalUnits availableUnits } }
          organization(id: $p) { phasePolicy { currentPhase { name maxExternalShare maxActiveEngagements } } }
          engagements(filter: { providerId: $p }, first: 100) { edges { node { status } } } }`,
        { p: w.p0.id, from: M[0], to: M[5] },
        w.p0.key,
      ),
    );
    expect(view.offerings.map((o) => o.offeringId).sort()).toEqual(
      overview.capacityOverview.map((o) => o.offering.id).sort(),
    );
    for (const o of view.offerings) {
      const rows = overview.capacityOverview.find((x) => x.offering.id === o.offeringId)!.months;
      for (const [i, m] of o.months.entries()) {
        const r = rows[i];
        const sold = r.heldUnits! + r.committedUnits! + r.conditionalUnits!;
        expect(m).toEqual({
          ...r,
          soldUnits: sold,
          utilization: r.sellableUnits ? expect.closeTo(sold / r.sellableUnits, 4) : null,
          shareOfTotal: r.totalUnits ? expect.closeTo(sold / r.totalUnits, 4) : null,
        });
      }
      const util = rows.map((r) =>
        r.sellableUnits ? (r.heldUnits! + r.committedUnits! + r.conditionalUnits!) / r.sellableUnits : -1,
      );
      const peak = util.indexOf(Math.max(...util));
      expect(o.peakMonth).toBe(rows[peak].month);
      expect(o.headroomUnits).toBe(rows[peak].availableUnits);
    }
    for (const [i, total] of view.totals.entries()) {
      const all = overview.capacityOverview.map((o) => o.months[i]);
      expect(total.sellableUnits).toBe(all.reduce((s, m) => s + m.sellableUnits!, 0));
      expect(total.soldUnits).toBe(all.reduce((s, m) => s + m.heldUnits! + m.committedUnits! + m.conditionalUnits!, 0));
    }
    expect(view.offerings.some((o) => o.months.some((m) => m.heldUnits > 0))).toBe(true);
    expect(view.offerings.some((o) => o.months.some((m) => m.committedUnits > 0))).toBe(true);
    expect(view.offerings.some((o) => o.months.some((m) => m.conditionalUnits > 0))).toBe(true);
    const phase = overview.organization!.phasePolicy!.currentPhase;
    const used = overview.engagements.edges.filter((e) => ['PENDING_BAA', 'ACTIVE'].includes(e.node.status)).length;
    expect(view).toMatchObject({
      phase: phase.name,
      maxExternalShare: phase.maxExternalShare,
      engagementSlots: {
        used,
        limit: phase.maxActiveEngagements,
        label: `${used} of ${phase.maxActiveEngagements ?? 'unlimited'}`,
      },
    });
  });

  it('servableDemand: exactly the open needs where matching lists one of its offerings, with the same figures', async () => {
    const view = ok(await t.gql(SERVABLE, {}, w.p0.key)).servableDemand;
    const needs = ok(
      await t.gql(
        `{ needs(filter: { status: OPEN }, first: 100) { edges { node { id monthlyVolume startMonth durationMonths } } } }`,
        {},
        w.p0.key,
      ),
    ).needs.edges.map((e) => e.node);
    const expected: {
      needId: string;
      offeringId: string;
      score: number;
      price: number;
      minAvailableUnits: number;
      estimatedMonthlyCost: string;
    }[] = [];
    for (const n of needs) {
      const matches = ok(
        await t.gql(
          `query($id: ID!) { matches(needId: $id, first: 100) { score minAvailableUnits estimatedMonthlyCost offering { id } provider { id } breakdown { factor value } } }`,
          { id: n.id },
          w.p0.key,
        ),
      ).matches;
      for (const m of matches.filter((x) => x.provider.id === w.p0.id)) {
        expected.push({
          needId: n.id,
          offeringId: m.offering.id,
          score: m.score,
          price: m.breakdown.find((f) => f.factor === 'PRICE')!.value,
          minAvailableUnits: m.minAvailableUnits,
          estimatedMonthlyCost: m.estimatedMonthlyCost,
        });
      }
    }
    const got = view.needs.flatMap((n) => n.offerings.map((o) => ({ needId: n.needId, ...o })));
    const key = (x: { needId: string; offeringId: string }) => `${x.needId}/${x.offeringId}`;
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
    expect(expected.length).toBeGreaterThan(0);
    expect(view.totalCount).toBe(new Set(expected.map((e) => e.needId)).size);
    for (const e of expected) {
      const g = got.find((x) => key(x) === key(e));
      expect([g!.minAvailableUnits, g!.estimatedMonthlyCost]).toEqual([e.minAvailableUnits, e.estimatedMonthlyCost]);
      // Price is judged against the provider's own candidates only: never lower than in matches, equal where it was the cheapest.
      expect(g!.fit).toBeGreaterThanOrEqual(e.score - 1e-9);
      if (e.price === 1) expect(g!.fit).toBeCloseTo(e.score, 6);
    }
    // Quoted: its live quotes on those needs.
    const live = ok(
      await t.gql(
        `{ quotes(filter: { status: ISSUED }, first: 100) { edges { node { id need { id } offering { id } } } } }`,
        {},
        w.p0.key,
      ),
    ).quotes.edges.map((e) => e.node);
    for (const g of got)
      expect(g.quoteId).toBe(live.find((q) => q.need.id === g.needId && q.offering.id === g.offeringId)?.id ?? null);
    expect(view.quotedCount).toBe(view.needs.filter((n) => n.offerings.some((o) => o.quoteId)).length);
    for (const n of view.needs) {
      const need = needs.find((x) => x.id === n.needId);
      expect(n.months).toEqual(
        Array.from({ length: need!.durationMonths }, (_, i) => nextMonthFrom(need!.startMonth, i)),
      );
      expect(n.need.status).toBe('OPEN');
    }
  });
});

function nextMonthFrom(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const idx = y * 12 + m - 1 + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

describe('buyer views agree with the rows', () => {
  it('Engagement.scorecard: scheduled, delivered, SLA series, spend and disputes equal the engagement’s schedule and reports', async () => {
    let disputes = 0;
    for (const id of w.engagements) {
      const e = ok(
        await t.gql(
          `query($id: ID!) { engagement(id: $id) { serviceEndMonth quote { total setupFee currency slaTargets { metric target direction } } schedule { month units amount }
            performanceReports(first: 100) { edges { node { month deliveredUnits attainment allTargetsMet disputed metrics { metric value target met } } } }
            scorecard { currency quoteTotal spendToDate scheduledUnitsToDate deliveredUnitsToDate attainment disputesOpen
              months { month scheduledUnits scheduledAmount deliveredUnits attainment allTargetsMet disputed }
              metrics { metric target direction attainment points { month value met } } } } }`,
          { id },
          OPERATOR_KEY,
        ),
      ).engagement;
      const s = e!.scorecard;
      const served = e!.schedule.filter((l) => !e!.serviceEndMonth || l.month <= e!.serviceEndMonth);
      const reports = new Map(e!.performanceReports.edges.map((r) => [r.node.month, r.node]));
      expect(s.months.map((m) => [m.month, m.scheduledUnits, m.scheduledAmount, m.deliveredUnits])).toEqual(
        served.map((l) => [l.month, l.units, l.amount, reports.get(l.month)?.deliveredUnits ?? null]),
      );
      const toDate = served.filter((l) => l.month <= M[0]);
      expect(s.spendToDate).toBe(money(toDate.length ? sum([e!.quote.setupFee, ...toDate.map((l) => l.amount)]) : 0));
      expect(s.quoteTotal).toBe(e!.quote.total);
      expect(s.scheduledUnitsToDate).toBe(toDate.reduce((n, l) => n + l.units, 0));
      expect(s.deliveredUnitsToDate).toBe([...reports.values()].reduce((n, r) => n + r.deliveredUnits, 0));
      expect(s.metrics.map((m) => [m.metric, m.target, m.direction])).toEqual(
        e!.quote.slaTargets.map((x) => [x.metric, x.target, x.direction]),
      );
      for (const m of s.metrics) {
        expect(m.points).toEqual(
          [...reports.values()].flatMap((r) =>
            r.metrics.filter((x) => x.metric === m.metric).map((x) => ({ month: r.month, value: x.value, met: x.met })),
          ),
        );
      }
      expect(s.disputesOpen).toBe([...reports.values()].filter((r) => r.disputed).length);
      expect(s.months.filter((m) => m.disputed).map((m) => m.month)).toEqual(
        [...reports.values()].filter((r) => r.disputed).map((r) => r.month),
      );
      disputes += s.disputesOpen;
    }
    expect(disputes).toBe(1);
  });

  it('vendorPortfolio: categories and vendors equal the buyer’s active engagements; fragmentation and consolidation candidates follow', async () => {
    const view = ok(await t.gql(PORTFOLIO, {}, w.b0.key)).vendorPortfolio;
    const list = ok(
      await t.gql(
        `query($b: ID!) { engagements(filter: { buyerId: $b }, first: 100) { edges { node { id status provider { id } offering { category { code } } } } } }`,
        { b: w.b0.id },
        w.b0.key,
      ),
    )
      .engagements.edges.map((e) => e.node)
      .filter((e) => ['PENDING_BAA', 'ACTIVE'].includes(e.status));
    expect(view.activeEngagements).toBe(list.length);
    const byCategory = new Map<string, Map<string, string[]>>();
    for (const e of list) {
      const c = byCategory.get(e.offering.category.code) ?? new Map<string, string[]>();
      c.set(e.provider.id, [...(c.get(e.provider.id) ?? []), e.id].sort());
      byCategory.set(e.offering.category.code, c);
    }
    expect(view.categories.map((c) => c.categoryCode)).toEqual([...byCategory.keys()].sort());
    const partners = new Set(list.map((e) => e.provider.id));
    const published = ok(
      await t.gql(
        `{ offerings(filter: { status: PUBLISHED }, first: 100) { edges { node { provider { id } category { code } } } } }`,
        {},
        w.b0.key,
      ),
    ).offerings.edges.map((e) => e.node);
    for (const c of view.categories) {
      const vendors = byCategory.get(c.categoryCode)!;
      expect(Object.fromEntries(c.vendors.map((v) => [v.providerId, v.engagementIds]))).toEqual(
        Object.fromEntries(vendors),
      );
      expect(c.fragmented).toBe(vendors.size > 1);
      const candidates = [...partners].filter(
        (p) =>
          !vendors.has(p as string) && published.some((o) => o.provider.id === p && o.category.code === c.categoryCode),
      );
      expect(c.consolidationCandidateIds).toEqual(candidates.sort());
    }
    expect(view.fragmentedCategories).toBe(1); // analytics: p0 and p1
    expect(view.vendorCount).toBe(partners.size);
  });
});

describe('who may read the views', () => {
  const providerViews = (p: string | null) =>
    [
      [PIPELINE, { p, from: PAST, to: M[0] }],
      [REVENUE, { p, from: PAST, to: M[5] }],
      [UTILIZATION, { p, from: M[0], to: M[5] }],
      [SERVABLE, { p }],
    ] as const;

  it('a SALES key of the provider reads the same views as its ADMIN key; the operator names the provider', async () => {
    for (const [query, variables] of providerViews(null)) {
      const admin = ok(await t.gql(query, variables, w.p0.key));
      expect(ok(await t.gql(query, variables, w.p0.sales))).toEqual(admin);
      expect(ok(await t.gql(query, { ...variables, p: w.p0.id }, OPERATOR_KEY))).toEqual(admin);
    }
  });

  it('another provider’s views read exactly like a provider that does not exist', async () => {
    for (const [query, variables] of providerViews(w.p0.id)) {
      const theirs = await t.gql(query, variables, w.p1.key);
      const missing = await t.gql(query, { ...variables, p: '00000000-0000-4000-8000-000000000000' }, w.p1.key);
      expect(errorCode(theirs)).toBe('NOT_FOUND');
      expect(theirs.errors?.map((e) => e.message)).toEqual(missing.errors?.map((e) => e.message));
      expect(theirs.data).toEqual(missing.data);
      expect(errorCode(await t.gql(query, variables, w.b0.key))).toBe('NOT_FOUND'); // a buyer is no seller of p0
      expect(ok(await t.gql(query, { ...variables, p: w.p1.id }, w.p1.key))).toBeTruthy(); // positive control
    }
    expect(errorCode(await t.gql(PIPELINE, { p: null, from: PAST, to: M[0] }, OPERATOR_KEY))).toBe('BAD_USER_INPUT');
  });

  it('a buyer’s portfolio and scorecards are its own: others read not found', async () => {
    const theirs = await t.gql(PORTFOLIO, { b: w.b0.id }, w.b1.key);
    const missing = await t.gql(PORTFOLIO, { b: '00000000-0000-4000-8000-000000000000' }, w.b1.key);
    expect(errorCode(theirs)).toBe('NOT_FOUND');
    expect(theirs.errors?.map((e) => e.message)).toEqual(missing.errors?.map((e) => e.message));
    expect(errorCode(await t.gql(PORTFOLIO, { b: w.b0.id }, w.p1.key))).toBe('NOT_FOUND');
    expect(ok(await t.gql(PORTFOLIO, { b: w.b0.id }, OPERATOR_KEY)).vendorPortfolio).toEqual(
      ok(await t.gql(PORTFOLIO, {}, w.b0.key)).vendorPortfolio,
    );
    const card = `query($id: ID!) { engagement(id: $id) { scorecard { spendToDate } } }`;
    expect(ok(await t.gql(card, { id: w.engagements[0] }, w.b0.key)).engagement!.scorecard).toBeTruthy();
    expect(ok(await t.gql(card, { id: w.engagements[0] }, w.p1.key)).engagement).toBeNull();
  });
});

describe('SQL statements per view', () => {
  /** The view's statements: the fewer of two runs, since a key lookup (cached 0.8 s) or its coarse last-used write can add one to a run on a loaded machine. */
  const statements = async (query: string, variables: Record<string, unknown>, key: string) => {
    const once = async () => {
      const r = await t.gql(query, variables, key);
      ok(r);
      return Number(r.headers.get('x-sql-statements'));
    };
    ok(await t.gql('{ viewer { role } }', {}, key)); // the key lookup is cached for a moment after a request
    return Math.min(await once(), await once());
  };

  it('is a small fixed number, whatever the number of offerings, quotes and engagements', async () => {
    const limits: [string, Record<string, unknown>, number][] = [
      [PIPELINE, { from: PAST, to: M[0] }, 3], // open quotes, closed outcomes, + the quotes the list resolves (one batch)
      [REVENUE, { from: PAST, to: M[5] }, 1],
      [UTILIZATION, { from: M[0], to: M[5] }, 3], // the provider's book, the capacity months, the offerings resolved
      [SERVABLE, {}, 3], // the candidates, + needs resolved (one batch)
    ];
    for (const [query, variables, limit] of limits) {
      const big = await statements(query, variables, w.p0.key);
      const small = await statements(query, variables, w.p1.key);
      expect([query.slice(0, 40), big]).toEqual([query.slice(0, 40), small]);
      expect(big).toBeLessThanOrEqual(limit);
    }
    expect(await statements(PORTFOLIO, {}, w.b0.key)).toBeLessThanOrEqual(2); // the portfolio, + the providers resolved (one batch)
    const cards = `query($b: ID!) { engagements(filter: { buyerId: $b }, first: 50) { edges { node { scorecard { spendToDate months { month deliveredUnits } } } } } }`;
    expect(await statements(cards, { b: w.b0.id }, w.b0.key)).toBeLessThanOrEqual(3); // the list, its count, every scorecard in one batch
  });
});
