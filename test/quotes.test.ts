// Quotes through GraphQL: pricing, holds, revision, release on withdraw/decline/expiry, acceptance,
// tenancy and idempotency.
import { Client } from 'pg';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import type { CreateNeedInput, CreateOfferingInput } from './support/schema-types';
import {
  ACCEPT,
  ISSUE,
  buyer,
  createKey,
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

const M = [nextMonth(1), nextMonth(2), nextMonth(3), nextMonth(4)];
const QUOTE = `query($id: ID!) { quote(id: $id) { id status version total setupFee currency costPerUnit totalUnits expiresAt supersedes { id }
  schedule { month units phase unitPrice amount } slaTargets { metric } need { id } offering { id } provider { id } buyer { id } } }`;

/** Provider with a published offering (PILOT share 10%) and capacity, and a buyer with a need. */
async function market(
  opts: { units?: number; offering?: Partial<CreateOfferingInput>; need?: Partial<CreateNeedInput> } = {},
) {
  const p = await provider(t);
  const offeringId = await createOffering(t, p.key, {
    categoryCode: 'HR_RECRUITMENT',
    pricing: {
      currency: 'USD',
      unitPrice: '10.00',
      setupFee: '500.00',
      monthlyMinimum: '100.00',
      tiers: [{ fromUnits: 50, unitPrice: '8.00' }],
    },
    ...opts.offering,
  });
  await setCapacity(t, p.key, offeringId, M, opts.units ?? 1000);
  const b = await buyer(t);
  const needId = await createNeed(t, b.key, {
    categoryCode: opts.offering?.categoryCode ?? 'HR_RECRUITMENT',
    monthlyVolume: 60,
    startMonth: M[0],
    durationMonths: 4,
    ...opts.need,
  });
  return { p, b, offeringId, needId };
}

const capacityOf = async (key: string, offeringId: string) =>
  ok(
    await t.gql(
      `query($id: ID!) { offering(id: $id) { capacity(from: "${M[0]}", to: "${M[3]}") { heldUnits committedUnits conditionalUnits availableUnits } } }`,
      { id: offeringId },
      key,
    ),
  ).offering!.capacity;

describe('issueQuote', () => {
  it('prices the ramp exactly and holds every month', async () => {
    const { p, offeringId, needId } = await market();
    const r = ok(
      await t.gql(
        ISSUE,
        {
          i: {
            needId,
            offeringId,
            pilotMonths: 1,
            pilotUnits: 5,
            expansionMonths: 1,
            expansionUnits: 30,
            validDays: 10,
            discountPercent: 10,
          },
        },
        p.key,
      ),
    ).issueQuote;
    expect(r.userErrors).toEqual([]);
    // pilot 5 x 9.00 = 45.00 -> minimum 100.00; expansion 30 x 9.00 = 270.00; steady 60 x 7.20 = 432.00 (x2); setup 500.00
    expect(r.quote!.schedule).toEqual([
      { month: M[0], units: 5, phase: 'PILOT', unitPrice: '9.00', amount: '100.00' },
      { month: M[1], units: 30, phase: 'EXPANSION', unitPrice: '9.00', amount: '270.00' },
      { month: M[2], units: 60, phase: 'STEADY', unitPrice: '7.20', amount: '432.00' },
      { month: M[3], units: 60, phase: 'STEADY', unitPrice: '7.20', amount: '432.00' },
    ]);
    expect(r.quote).toMatchObject({ status: 'ISSUED', version: 1, total: '1734.00' });
    const q = ok(await t.gql(QUOTE, { id: r.quote!.id }, p.key)).quote;
    expect(q).toMatchObject({ totalUnits: 155, costPerUnit: '11.1871', setupFee: '500.00', currency: 'USD' });
    expect(new Date(q!.expiresAt).getTime()).toBeGreaterThan(Date.now() + 9.9 * 86_400_000);
    expect((await capacityOf(p.key, offeringId)).map((m) => m.heldUnits)).toEqual([5, 30, 60, 60]);
  });

  it('refuses all months when one is short, naming it, and holds nothing', async () => {
    const { p, offeringId, needId } = await market();
    await setCapacity(t, p.key, offeringId, [M[2]], 500); // 50 sellable < 60
    const r = ok(await t.gql(ISSUE, { i: { needId, offeringId } }, p.key)).issueQuote;
    expect(r.quote).toBeNull();
    expect(r.userErrors).toEqual([
      { code: 'CAPACITY_EXCEEDED', field: 'schedule', message: `${M[2]}: requested 60 units, 50 available.` },
    ]);
    expect((await capacityOf(p.key, offeringId)).map((m) => m.heldUnits)).toEqual([0, 0, 0, 0]);
    const [n] = await t.sql('select count(*)::int as n from quote where need_id = $1', [needId]);
    expect(n.n).toBe(0);
  });

  it('says the short month, requested and available units in fields, not only in the message', async () => {
    const { p, offeringId, needId } = await market();
    const ISSUE_DATA = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code month requestedUnits availableUnits metric } } }`;
    await setCapacity(t, p.key, offeringId, [M[2]], 500); // 50 sellable < 60
    const short = ok(await t.gql(ISSUE_DATA, { i: { needId, offeringId } }, p.key)).issueQuote;
    expect(short.userErrors).toEqual([
      { code: 'CAPACITY_EXCEEDED', month: M[2], requestedUnits: 60, availableUnits: 50, metric: null },
    ]);
    await setCapacity(t, p.key, offeringId, [M[2]], 1000); // room again: the control
    const placed = ok(await t.gql(ISSUE_DATA, { i: { needId, offeringId } }, p.key)).issueQuote;
    expect(placed.userErrors).toEqual([]);
    expect(placed.quote!.id).toBeTruthy();
  });

  it('allows one live quote per need and offering; a lapsed one still marked ISSUED is closed by the next issue', async () => {
    const { p, offeringId, needId } = await market();
    const first = await issueQuote(t, p.key, { needId, offeringId });
    expect(ok(await t.gql(ISSUE, { i: { needId, offeringId } }, p.key)).issueQuote.userErrors[0].code).toBe('CONFLICT');
    // Lapsed before the sweeper ran: its holds still count until someone touches the months.
    await t.sql(`update quote set expires_at = now() - interval '1 minute' where id = $1`, [first]);
    await t.sql(`update reservation set expires_at = now() - interval '1 minute' where quote_id = $1`, [first]);
    const second = ok(await t.gql(ISSUE, { i: { needId, offeringId } }, p.key)).issueQuote;
    expect(second.userErrors).toEqual([]);
    const rows = await t.sql(`select id, status from quote where need_id = $1 order by created_at`, [needId]);
    expect(rows).toEqual([
      { id: first, status: 'EXPIRED' },
      { id: second.quote!.id, status: 'ISSUED' },
    ]);
    const held = await t.sql(
      `select quote_id, sum(units)::int as units from reservation where offering_id = $1 and status = 'ACTIVE' group by quote_id`,
      [offeringId],
    );
    expect(held).toEqual([{ quote_id: second.quote!.id, units: expect.any(Number) }]);
    expect(held[0].units).toBeGreaterThan(0);
  });

  it('refuses ramps that do not fit the need', async () => {
    const { p, offeringId, needId } = await market();
    const r = ok(
      await t.gql(
        ISSUE,
        { i: { needId, offeringId, pilotMonths: 3, pilotUnits: 0, expansionMonths: 2, expansionUnits: 10 } },
        p.key,
      ),
    ).issueQuote;
    expect(r.userErrors.map((e) => e.field)).toEqual(['input.expansionMonths', 'input.pilotUnits']);
  });
});

describe('revise, withdraw, decline, expiry', () => {
  it('revision makes version 2, supersedes version 1 and moves the holds', async () => {
    const { p, b, offeringId, needId } = await market();
    const v1 = await issueQuote(t, p.key, { needId, offeringId, pilotMonths: 2, pilotUnits: 10 });
    const r = ok(
      await t.gql(
        `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { quote { id version status supersedes { id } } userErrors { code } } }`,
        { i: { quoteId: v1, pilotMonths: 1, pilotUnits: 20 } },
        p.key,
      ),
    ).reviseQuote;
    expect(r.quote).toMatchObject({ version: 2, status: 'ISSUED', supersedes: { id: v1 } });
    expect(ok(await t.gql(QUOTE, { id: v1 }, b.key)).quote!.status).toBe('SUPERSEDED');
    expect((await capacityOf(p.key, offeringId)).map((m) => m.heldUnits)).toEqual([20, 60, 60, 60]);
    const again = ok(
      await t.gql(
        `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { userErrors { code } } }`,
        { i: { quoteId: v1, pilotUnits: 5 } },
        p.key,
      ),
    );
    expect(again.reviseQuote.userErrors[0].code).toBe('INVALID_TRANSITION');
  });

  it('a quote of a paused offering cannot be revised (as it cannot be issued); published again, it can', async () => {
    const { p, offeringId, needId } = await market();
    const q = await issueQuote(t, p.key, { needId, offeringId, pilotMonths: 2, pilotUnits: 10 });
    const REVISE = `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { quote { version } userErrors { code field message } } }`;
    const SET = (op: 'pauseOffering' | 'publishOffering') =>
      t.gql(
        `mutation($i: ${op === 'pauseOffering' ? 'PauseOfferingInput' : 'PublishOfferingInput'}!) { ${op}(input: $i) { userErrors { code } } }`,
        { i: { id: offeringId } },
        p.key,
      );
    ok(await SET('pauseOffering'));
    expect(ok(await t.gql(REVISE, { i: { quoteId: q, pilotUnits: 20 } }, p.key)).reviseQuote).toEqual({
      quote: null,
      userErrors: [
        { code: 'INVALID_TRANSITION', field: 'input.quoteId', message: 'The offering is PAUSED; publish it to quote.' },
      ],
    });
    ok(await SET('publishOffering'));
    expect(ok(await t.gql(REVISE, { i: { quoteId: q, pilotUnits: 20 } }, p.key)).reviseQuote.quote).toEqual({
      version: 2,
    });
  });

  it('withdraw (provider) and decline (buyer) release the holds', async () => {
    const { p, b, offeringId, needId } = await market();
    const q = await issueQuote(t, p.key, { needId, offeringId });
    expect(
      errorCode(await t.gql(`mutation { withdrawQuote(input: { id: "${q}" }) { quote { status } } }`, {}, b.key)),
    ).toBe('FORBIDDEN');
    ok(await t.gql(`mutation { withdrawQuote(input: { id: "${q}" }) { quote { status } } }`, {}, p.key));
    expect((await capacityOf(p.key, offeringId)).map((m) => m.heldUnits)).toEqual([0, 0, 0, 0]);
    const q2 = await issueQuote(t, p.key, { needId, offeringId });
    const d = ok(
      await t.gql(
        `mutation { declineQuote(input: { id: "${q2}", reason: "Over budget" }) { quote { status } userErrors { code } } }`,
        {},
        b.key,
      ),
    );
    expect(d.declineQuote.quote!.status).toBe('DECLINED');
    expect((await capacityOf(p.key, offeringId)).map((m) => m.heldUnits)).toEqual([0, 0, 0, 0]);
  });

  it('an expired quote frees capacity at once, cannot be accepted, and the sweeper marks it', async () => {
    const { p, b, offeringId, needId } = await market();
    const q = await issueQuote(t, p.key, { needId, offeringId });
    await t.sql(`update quote set expires_at = now() - interval '1 second' where id = $1`, [q]);
    await t.sql(`update reservation set expires_at = now() - interval '1 second' where quote_id = $1`, [q]);
    expect((await capacityOf(p.key, offeringId)).map((m) => m.heldUnits)).toEqual([0, 0, 0, 0]);
    expect(ok(await t.gql(QUOTE, { id: q }, b.key)).quote!.status).toBe('EXPIRED');
    const a = ok(await t.gql(ACCEPT, { i: { quoteId: q } }, b.key)).acceptQuote;
    expect(a.userErrors[0].code).toBe('QUOTE_EXPIRED');
    expect(a.engagement).toBeNull();
    await sweepExpiredHolds(t.api.deps);
    const [row] = await t.sql(`select status from quote where id = $1`, [q]);
    expect(row.status).toBe('EXPIRED');
    const [ev] = await t.sql(
      `select count(*)::int as n from audit_event where entity_id = $1 and action = 'quote.expired'`,
      [q],
    );
    expect(ev.n).toBe(1);
  });
});

describe('acceptQuote', () => {
  it('creates the engagement, commits pilot months, keeps later phases conditional, awards the need, expires the others', async () => {
    const { p, b, offeringId, needId } = await market({ offering: { categoryCode: 'CYBERSECURITY' } });
    const rival = await provider(t);
    const rivalOffering = await createOffering(t, rival.key, { categoryCode: 'CYBERSECURITY' });
    await setCapacity(t, rival.key, rivalOffering, M, 1000);
    const q = await issueQuote(t, p.key, {
      needId,
      offeringId,
      pilotMonths: 1,
      pilotUnits: 10,
      expansionMonths: 1,
      expansionUnits: 30,
    });
    const other = await issueQuote(t, rival.key, { needId, offeringId: rivalOffering });
    const r = ok(await t.gql(ACCEPT, { i: { quoteId: q } }, b.key)).acceptQuote;
    expect(r.userErrors).toEqual([]);
    expect(r.quote!.status).toBe('ACCEPTED');
    expect(r.engagement).toMatchObject({ status: 'ACTIVE', phase: 'PILOT' }); // CYBERSECURITY touches no PHI
    expect(await capacityOf(p.key, offeringId)).toEqual([
      { heldUnits: 0, committedUnits: 10, conditionalUnits: 0, availableUnits: 90 },
      { heldUnits: 0, committedUnits: 0, conditionalUnits: 30, availableUnits: 70 },
      { heldUnits: 0, committedUnits: 0, conditionalUnits: 60, availableUnits: 40 },
      { heldUnits: 0, committedUnits: 0, conditionalUnits: 60, availableUnits: 40 },
    ]);
    expect(ok(await t.gql(`query($id: ID!) { need(id: $id) { status } }`, { id: needId }, b.key)).need!.status).toBe(
      'AWARDED',
    );
    expect(ok(await t.gql(QUOTE, { id: other }, rival.key)).quote!.status).toBe('NOT_AWARDED');
    expect((await capacityOf(rival.key, rivalOffering)).every((m) => m.heldUnits === 0)).toBe(true);
    const actions = (
      await t.sql(`select action from audit_event where entity_id = any($1::uuid[]) order by at`, [
        [q, needId, r.engagement!.id],
      ])
    ).map((x) => x.action);
    expect(actions).toEqual(
      expect.arrayContaining(['quote.issued', 'quote.accepted', 'need.awarded', 'engagement.created']),
    );
  });

  it('expires a quote issued while the acceptance waited for the need, and releases its holds', async () => {
    const { p, b, offeringId, needId } = await market({ offering: { categoryCode: 'CYBERSECURITY' } });
    const q = await issueQuote(t, p.key, { needId, offeringId });
    const rival = await provider(t);
    const rivalOffering = await createOffering(t, rival.key, { categoryCode: 'CYBERSECURITY' });
    await setCapacity(t, rival.key, rivalOffering, M, 1000);
    // Another transaction holds the need (as issueQuote does) and issues a quote, committing only
    // after the acceptance has started waiting for the need.
    const other = new Client({ connectionString: t.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select id from need where id = $1 for update', [needId]);
      const {
        rows: [late],
      } = await other.query(
        `insert into quote (id, need_id, offering_id, provider_id, buyer_id, status, expires_at, currency, pilot_months, pilot_units, expansion_months, expansion_units, setup_fee, total, schedule,
                            unit_price, price_tiers, monthly_minimum, sla_targets, gate_report_count, termination_notice_months, languages, certifications)
         values (gen_random_uuid(), $1, $2, $3, $4, 'ISSUED', now() + interval '7 days', 'USD', 0, 0, 0, 0, 0, 100, $5, 1, '[]', 0, '[]', 2, 1, '{}', '{}') returning id`,
        [
          needId,
          rivalOffering,
          rival.id,
          b.id,
          JSON.stringify([{ month: M[0], units: 60, phase: 'STEADY', unitPrice: '1.0000', amount: '60.00' }]),
        ],
      );
      await other.query(
        `insert into reservation (offering_id, month, kind, units, quote_id, phase, expires_at) values ($1, $2, 'HELD', 60, $3, 'STEADY', now() + interval '7 days')`,
        [rivalOffering, `${M[0]}-01`, late.id],
      );
      const accepting = t.gql(ACCEPT, { i: { quoteId: q } }, b.key);
      await new Promise((r) => setTimeout(r, 300));
      await other.query('commit');
      expect(ok(await accepting).acceptQuote.userErrors).toEqual([]);
      const [after] = await t.sql(`select status from quote where id = $1`, [late.id]);
      expect(after.status).toBe('NOT_AWARDED');
      expect((await capacityOf(rival.key, rivalOffering)).every((m) => m.heldUnits === 0)).toBe(true);
    } finally {
      await other.end();
    }
  });

  it('refuses withdrawn or superseded quotes with a clear userError and changes nothing', async () => {
    const { p, b, offeringId, needId } = await market();
    const q = await issueQuote(t, p.key, { needId, offeringId });
    ok(
      await t.gql(
        `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { userErrors { code } } }`,
        { i: { quoteId: q, discountPercent: 5 } },
        p.key,
      ),
    );
    const r = ok(await t.gql(ACCEPT, { i: { quoteId: q } }, b.key)).acceptQuote;
    expect(r.userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION', message: 'The quote is SUPERSEDED.' });
    const [e] = await t.sql(`select count(*)::int as n from engagement where need_id = $1`, [needId]);
    expect(e.n).toBe(0);
  });

  it('refuses a provider without an engagement slot in its phase (PHASE_LIMIT_REACHED)', async () => {
    const { p, b, offeringId, needId } = await market();
    ok(
      await t.gql(
        `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`,
        { i: { providerId: p.id, phases: [{ name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 1 }] } },
        p.key,
      ),
    );
    const first = await issueQuote(t, p.key, { needId, offeringId, pilotMonths: 1, pilotUnits: 1 });
    const b2 = await buyer(t);
    const need2 = await createNeed(t, b2.key, {
      categoryCode: 'HR_RECRUITMENT',
      monthlyVolume: 5,
      startMonth: M[0],
      durationMonths: 1,
    });
    const second = await issueQuote(t, p.key, { needId: need2, offeringId });
    expect(ok(await t.gql(ACCEPT, { i: { quoteId: first } }, b.key)).acceptQuote.userErrors).toEqual([]);
    const r = ok(await t.gql(ACCEPT, { i: { quoteId: second } }, b2.key)).acceptQuote;
    expect(r.userErrors[0].code).toBe('PHASE_LIMIT_REACHED');
  });
});

describe('parties, in PostgreSQL itself', () => {
  it("refuses a quote whose provider is not its offering's or whose buyer is not its need's, and an engagement that differs from its quote", async () => {
    const { p, b, offeringId, needId } = await market({ offering: { categoryCode: 'CYBERSECURITY' } });
    const q = await issueQuote(t, p.key, { needId, offeringId });
    const stranger = await buyer(t);
    await expect(t.sql(`update quote set provider_id = $2 where id = $1`, [q, stranger.id])).rejects.toThrow(
      /quote_offering_provider_fkey/,
    );
    await expect(t.sql(`update quote set buyer_id = $2 where id = $1`, [q, stranger.id])).rejects.toThrow(
      /quote_need_buyer_fkey/,
    );
    const engagementId = ok(await t.gql(ACCEPT, { i: { quoteId: q } }, b.key)).acceptQuote.engagement!.id;
    await expect(
      t.sql(`update engagement set buyer_id = $2 where id = $1`, [engagementId, stranger.id]),
    ).rejects.toThrow(/engagement_quote_parties_fkey/);
    const otherOffering = await createOffering(t, p.key, { categoryCode: 'CYBERSECURITY' });
    await expect(
      t.sql(`update engagement set offering_id = $2 where id = $1`, [engagementId, otherOffering]),
    ).rejects.toThrow(/engagement_quote_parties_fkey/);
  });
});

describe('tenancy', () => {
  it('a competitor cannot read, revise or accept another provider’s quote: NOT_FOUND', async () => {
    const { p, b, offeringId, needId } = await market();
    const q = await issueQuote(t, p.key, { needId, offeringId });
    const rival = await provider(t);
    expect(ok(await t.gql(QUOTE, { id: q }, rival.key)).quote).toBeNull();
    expect(
      errorCode(
        await t.gql(
          `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { quote { id } } }`,
          { i: { quoteId: q, discountPercent: 50 } },
          rival.key,
        ),
      ),
    ).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(ACCEPT, { i: { quoteId: q } }, rival.key))).toBe('NOT_FOUND');
    expect(
      errorCode(await t.gql(`mutation { withdrawQuote(input: { id: "${q}" }) { quote { id } } }`, {}, rival.key)),
    ).toBe('NOT_FOUND');
    const list = ok(
      await t.gql(`query($n: ID!) { quotes(filter: { needId: $n }) { totalCount } }`, { n: needId }, rival.key),
    );
    expect(list.quotes.totalCount).toBe(0);
    expect(ok(await t.gql(QUOTE, { id: q }, b.key)).quote!.id).toBe(q);
  });

  it('need.quotes compares every quote for the buyer, only its own for a provider', async () => {
    const { p, b, offeringId, needId } = await market();
    const rival = await provider(t);
    const rivalOffering = await createOffering(t, rival.key, {
      categoryCode: 'HR_RECRUITMENT',
      pricing: { currency: 'USD', unitPrice: '9.00' },
    });
    await setCapacity(t, rival.key, rivalOffering, M, 1000);
    const mine = await issueQuote(t, p.key, { needId, offeringId });
    const theirs = await issueQuote(t, rival.key, { needId, offeringId: rivalOffering });
    const q = `query($id: ID!) { need(id: $id) { quotes { totalCount edges { node { id total costPerUnit slaTargets { metric } schedule { phase } provider { id } } } } } }`;
    const forBuyer = ok(await t.gql(q, { id: needId }, b.key)).need!.quotes;
    expect(forBuyer.totalCount).toBe(2);
    expect(forBuyer.edges.map((e) => e.node.id).sort()).toEqual([mine, theirs].sort());
    const forRival = ok(await t.gql(q, { id: needId }, rival.key)).need!.quotes;
    expect(forRival.edges.map((e) => e.node.id)).toEqual([theirs]);
  });
});

describe('idempotency', () => {
  it('returns the first result for the same key and input, and refuses a different input', async () => {
    const { p, offeringId, needId } = await market();
    const i = { needId, offeringId, idempotencyKey: 'issue-1' };
    const a = ok(await t.gql(ISSUE, { i }, p.key)).issueQuote;
    const again = ok(await t.gql(ISSUE, { i }, p.key)).issueQuote;
    expect(again).toEqual(a);
    const [n] = await t.sql('select count(*)::int as n from quote where need_id = $1', [needId]);
    expect(n.n).toBe(1);
    const conflict = ok(await t.gql(ISSUE, { i: { ...i, discountPercent: 3 } }, p.key)).issueQuote;
    expect(conflict.userErrors).toEqual([
      { code: 'IDEMPOTENCY_CONFLICT', field: 'input.idempotencyKey', message: expect.any(String) },
    ]);
  });

  it('scopes keys per organization', async () => {
    const b1 = await buyer(t);
    const b2 = await buyer(t);
    const mut = `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id buyer { id } } } }`;
    const i = {
      categoryCode: 'TELEHEALTH',
      monthlyVolume: 5,
      startMonth: M[0],
      durationMonths: 1,
      ehrPlatformCode: 'EPIC',
      regionCode: 'US-OH',
      idempotencyKey: 'same-key',
    };
    const n1 = ok(await t.gql(mut, { i }, b1.key)).createNeed.need;
    const n2 = ok(await t.gql(mut, { i }, b2.key)).createNeed.need;
    expect(n1!.id).not.toBe(n2!.id);
    expect(n2!.buyer.id).toBe(b2.id);
  });
});

describe('roles', () => {
  it('a SALES key cannot issue quotes', async () => {
    const { p, offeringId, needId } = await market();
    const sales = await createKey(t, p.id, 'SALES');
    expect(errorCode(await t.gql(ISSUE, { i: { needId, offeringId } }, sales))).toBe('FORBIDDEN');
  });
});

describe('issuing while the need is being awarded', () => {
  it('never leaves a live quote holding capacity on an awarded need', async () => {
    const { Client } = await import('pg');
    const p1 = await provider(t);
    const p2 = await provider(t);
    const offer = async (key: string) => {
      const id = await createOffering(t, key, { categoryCode: 'HR_RECRUITMENT' });
      await setCapacity(t, key, id, M.slice(0, 2), 1000);
      return id;
    };
    const [o1, o2] = [await offer(p1.key), await offer(p2.key)];
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { categoryCode: 'HR_RECRUITMENT', monthlyVolume: 10, durationMonths: 2 });
    const q1 = await issueQuote(t, p1.key, { needId, offeringId: o1 });

    // Stall the acceptance after it has locked the need, on the capacity months of the accepted quote.
    const blocker = new Client({ connectionString: t.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`select 1 from capacity_month where offering_id = $1 for update`, [o1]);
      const waiting = async (n: number) => {
        for (let i = 0; i < 200; i++) {
          const [{ c }] = await t.sql<{ c: number }>(
            `select count(*)::int as c from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
          );
          if (c >= n) return;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error('the requests never reached their locks');
      };
      const accepting = t.gql(ACCEPT, { i: { quoteId: q1 } }, b.key);
      await waiting(1);
      const issuing = t.gql(ISSUE, { i: { needId, offeringId: o2, validDays: 7 } }, p2.key);
      await Promise.race([waiting(2), new Promise((r) => setTimeout(r, 1500))]);
      await blocker.query('commit');
      const [accepted, issued] = await Promise.all([accepting, issuing]);
      expect(ok(accepted).acceptQuote.userErrors).toEqual([]);
      const live = await t.sql(`select q.id from quote q where q.need_id = $1 and q.status = 'ISSUED'`, [needId]);
      const holds = await t.sql(
        `select r.id from reservation r join quote q on q.id = r.quote_id where q.need_id = $1 and r.kind = 'HELD' and r.status = 'ACTIVE'`,
        [needId],
      );
      expect({ live, holds }).toEqual({ live: [], holds: [] });
      if (!issued.errors) expect(issued.data!.issueQuote.quote?.id ?? null).toBeNull();
    } finally {
      await blocker.end();
    }
  });
});
