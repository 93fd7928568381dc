// Two API processes on one database, many parallel requests: PostgreSQL keeps every invariant. Run
// directly (concurrency.test.ts) and through PgBouncer with a read replica (scale-out.test.ts).
import { Client } from 'pg';
import { gql, ok, OPERATOR_KEY, type GqlResult } from './api';
import { nextMonth } from './fixtures';

export interface ConcurrencyTopology {
  /** The two API instances' GraphQL URLs. */
  urls: string[];
  /** The primary, directly: the suite checks the invariants there. */
  primaryUrl: string;
}

/** Registers the suite; `topology` runs in its beforeAll, `observe` sees every response. */
export function concurrencySuite(
  topology: () => Promise<ConcurrencyTopology>,
  observe: (r: GqlResult, query: string) => void = () => {},
) {
  let urls: string[] = [];
  let pg: Client;
  let primaryUrl = '';

  beforeAll(async () => {
    const t = await topology();
    urls = t.urls;
    primaryUrl = t.primaryUrl;
    pg = new Client({ connectionString: t.primaryUrl });
    await pg.connect();
  }, 60_000);

  afterAll(async () => {
    await pg?.end();
  });

  /** Round-robin over the two instances. */
  let turn = 0;
  const call = async (query: string, variables: Record<string, unknown>, key: string) => {
    const r = await gql(urls[turn++ % urls.length], query, variables, key);
    observe(r, query);
    return r;
  };
  const must = async (query: string, variables: Record<string, unknown>, key = OPERATOR_KEY) =>
    ok(await call(query, variables, key));

  let seq = 0;
  async function org(kind: string) {
    const d = await must(
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }`,
      {
        i: { name: `Concurrency ${kind} ${++seq} ${Date.now()}`, kind, stateCode: 'US-OH', ehrPlatformCode: 'EPIC' },
      },
    );
    const id = d.createOrganization.organization!.id;
    const k = await must(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, {
      i: { organizationId: id, role: 'ADMIN', label: 'test' },
    });
    return { id, key: k.createApiKey.secret as string };
  }

  async function offering(key: string, months: Record<string, number>) {
    const d = await must(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } } }`,
      {
        i: {
          categoryCode: 'DATA_ANALYTICS',
          title: 'Analytics',
          ehrPlatformCodes: ['EPIC'],
          regionCodes: ['US-OH'],
          pricing: { currency: 'USD', unitPrice: '100.00' },
        },
      },
      key,
    );
    const id = d.createOffering.offering!.id;
    await must(`mutation { publishOffering(input: { id: "${id}" }) { userErrors { code } } }`, {}, key);
    await must(
      `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code } } }`,
      { i: { offeringId: id, months: Object.entries(months).map(([month, totalUnits]) => ({ month, totalUnits })) } },
      key,
    );
    return id;
  }

  async function needs(key: string, n: number, months: number) {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const d = await must(
          `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } } }`,
          {
            i: {
              categoryCode: 'DATA_ANALYTICS',
              monthlyVolume: 1,
              startMonth: nextMonth(1),
              durationMonths: months,
              ehrPlatformCode: 'EPIC',
              regionCode: 'US-OH',
            },
          },
          key,
        );
        return d.createNeed.need!.id as string;
      }),
    );
  }

  const ISSUE = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code message } } }`;

  function tally(results: GqlResult[], field: 'acceptQuote' | 'issueQuote') {
    const created = (r: GqlResult) =>
      field === 'acceptQuote' ? r.data?.acceptQuote?.engagement : r.data?.issueQuote?.quote;
    const ok = results.filter((r) => r.status === 200 && created(r)).length;
    const refused = results.filter((r) => r.data?.[field]?.userErrors?.length).length;
    const broken = results.filter((r) => r.status >= 500 || r.errors).length;
    return { ok, refused, broken };
  }

  /** Counters on capacity_month equal the sum of ACTIVE reservations, and never exceed sellable. */
  async function invariant(offeringId: string) {
    const { rows } = await pg.query(
      `select c.month, c.sellable_units, c.held_units, c.committed_units, c.conditional_units,
              coalesce(sum(r.units) filter (where r.kind = 'HELD'), 0)::int as held,
              coalesce(sum(r.units) filter (where r.kind = 'COMMITTED'), 0)::int as committed,
              coalesce(sum(r.units) filter (where r.kind = 'CONDITIONAL'), 0)::int as conditional
         from capacity_month c left join reservation r on r.offering_id = c.offering_id and r.month = c.month and r.status = 'ACTIVE'
        where c.offering_id = $1 group by c.offering_id, c.month order by c.month`,
      [offeringId],
    );
    for (const m of rows) {
      expect([m.held_units, m.committed_units, m.conditional_units]).toEqual([m.held, m.committed, m.conditional]);
      expect(m.held_units + m.committed_units + m.conditional_units).toBeLessThanOrEqual(m.sellable_units);
    }
    return rows;
  }

  describe('holds under concurrency, two instances', () => {
    it.each([64, 40])(
      '%i parallel one-unit quotes on a month with room for 10 leave exactly 10 holds',
      async (attempts) => {
        const p = await org('HEALTH_SYSTEM');
        const b = await org('HOSPITAL');
        const offeringId = await offering(p.key, { [nextMonth(1)]: 100 }); // PILOT 10% -> 10 sellable
        const needIds = await needs(b.key, attempts, 1);
        const results = await Promise.all(
          needIds.map((needId) => call(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)),
        );
        expect(tally(results, 'issueQuote')).toEqual({ ok: 10, refused: attempts - 10, broken: 0 });
        expect(
          results
            .filter((r) => r.data?.issueQuote?.userErrors?.length)
            .every((r) => r.data!.issueQuote.userErrors[0].code === 'CAPACITY_EXCEEDED'),
        ).toBe(true);
        const [m] = await invariant(offeringId);
        expect(m.held_units).toBe(10);
        const { rows } = await pg.query(`select count(*)::int as n from quote where offering_id = $1`, [offeringId]);
        expect(rows[0].n).toBe(10);
      },
    );

    it('a multi-month schedule short in one month holds nothing in any month', async () => {
      const p = await org('HEALTH_SYSTEM');
      const b = await org('HOSPITAL');
      const offeringId = await offering(p.key, { [nextMonth(1)]: 1000, [nextMonth(2)]: 100, [nextMonth(3)]: 1000 }); // 100 / 10 / 100 sellable
      const needIds = await needs(b.key, 64, 3);
      const results = await Promise.all(
        needIds.map((needId) => call(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)),
      );
      expect(tally(results, 'issueQuote')).toEqual({ ok: 10, refused: 54, broken: 0 });
      const rows = await invariant(offeringId);
      expect(rows.map((m) => m.held_units)).toEqual([10, 10, 10]);
    });
  });

  describe('acceptance under concurrency, two instances', () => {
    it('20 parallel acceptances of different quotes on one need produce exactly one engagement', async () => {
      const b = await org('HOSPITAL');
      const [needId] = await needs(b.key, 1, 2);
      const quotes: string[] = [];
      const offerings: string[] = [];
      for (let i = 0; i < 20; i++) {
        const p = await org('HEALTH_SYSTEM');
        const offeringId = await offering(p.key, { [nextMonth(1)]: 100, [nextMonth(2)]: 100 });
        offerings.push(offeringId);
        quotes.push((await must(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)).issueQuote.quote!.id);
      }
      const ACCEPT = `mutation($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id } userErrors { code message } } }`;
      const results = await Promise.all(quotes.map((quoteId) => call(ACCEPT, { i: { quoteId } }, b.key)));
      expect(tally(results, 'acceptQuote')).toEqual({ ok: 1, refused: 19, broken: 0 });
      const { rows } = await pg.query(`select count(*)::int as n from engagement where need_id = $1`, [needId]);
      expect(rows[0].n).toBe(1);
      const statuses = await pg.query(
        `select status, count(*)::int as n from quote where need_id = $1 group by status order by status`,
        [needId],
      );
      expect(statuses.rows).toEqual([
        { status: 'ACCEPTED', n: 1 },
        { status: 'NOT_AWARDED', n: 19 },
      ]);
      for (const o of offerings) await invariant(o);
      const held = await pg.query(
        `select count(*)::int as n from reservation r join quote q on q.id = r.quote_id where q.need_id = $1 and r.status = 'ACTIVE' and r.kind = 'HELD'`,
        [needId],
      );
      expect(held.rows[0].n).toBe(0);
    });

    it('20 parallel retries of one acceptance with the same idempotency key give one engagement and identical answers', async () => {
      const p = await org('HEALTH_SYSTEM');
      const b = await org('HOSPITAL');
      const offeringId = await offering(p.key, { [nextMonth(1)]: 100 });
      const [needId] = await needs(b.key, 1, 1);
      const quoteId = (await must(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)).issueQuote.quote!.id;
      const ACCEPT = `mutation($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id status phase } quote { id status } userErrors { code message } } }`;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => call(ACCEPT, { i: { quoteId, idempotencyKey: 'accept-once' } }, b.key)),
      );
      expect(results.every((r) => r.status === 200 && !r.errors)).toBe(true);
      const bodies = new Set(results.map((r) => JSON.stringify(r.data)));
      expect(bodies.size).toBe(1);
      expect(results[0].data!.acceptQuote.engagement!.id).toBeTruthy();
      const { rows } = await pg.query(`select count(*)::int as n from engagement where quote_id = $1`, [quoteId]);
      expect(rows[0].n).toBe(1);
      await invariant(offeringId);
    });
  });

  describe('foreign-key locks against acceptance', () => {
    // Issuing holds an offering's capacity months, then its quote insert takes a KEY SHARE lock on the
    // provider's organization row (the foreign key); acceptance locks that row, then the same months.
    // With the row locked FOR UPDATE (which conflicts with KEY SHARE) the two deadlocked under load.
    it('a transaction holding the months can still reference the provider while an acceptance waits for them', async () => {
      const p = await org('HEALTH_SYSTEM');
      const b = await org('HOSPITAL');
      const offeringId = await offering(p.key, { [nextMonth(1)]: 100 });
      const [needId] = await needs(b.key, 1, 1);
      const quoteId = (await must(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)).issueQuote.quote!.id;
      const issuer = new Client({ connectionString: primaryUrl });
      await issuer.connect();
      try {
        await issuer.query('begin');
        await issuer.query(
          `select 1 from capacity_month where offering_id = $1 order by offering_id, month for update`,
          [offeringId],
        );
        const ACCEPT = `mutation($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id } userErrors { code message } } }`;
        const accepting = call(ACCEPT, { i: { quoteId } }, b.key);
        // Wait until the acceptance holds the provider and the need and waits for the months.
        for (let i = 0; ; i++) {
          const { rows } = await pg.query(
            `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%capacity_month%' and pid <> $1`,
            [(issuer as unknown as { processID: number }).processID],
          );
          if (rows.length) break;
          if (i > 200) throw new Error('the acceptance never waited for the months');
          await new Promise((r) => setTimeout(r, 25));
        }
        // What a quote insert's foreign key does, without waiting: it waited (and deadlocked: PostgreSQL
        // then rolled back one of the two) when acceptance locked the row FOR UPDATE.
        await issuer.query(`select 1 from organization where id = $1 for key share nowait`, [p.id]);
        await issuer.query('commit');
        const r = await accepting;
        expect([r.status, r.errors]).toEqual([200, undefined]);
        expect(r.data!.acceptQuote.engagement!.id).toBeTruthy();
      } finally {
        await issuer.query('rollback').catch(() => {});
        await issuer.end();
      }
    });
  });

  describe('need edits against acceptance, two instances', () => {
    it('a need edited while one of its quotes is being accepted gives one outcome, never an engagement for a closed quote', async () => {
      const p = await org('HEALTH_SYSTEM');
      const b = await org('HOSPITAL');
      await must(`mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`, {
        i: { providerId: p.id, phases: [{ name: 'PILOT', maxExternalShare: 0.5, maxActiveEngagements: null }] },
      });
      const offeringId = await offering(p.key, { [nextMonth(1)]: 1000, [nextMonth(2)]: 1000 });
      const needIds = await needs(b.key, 12, 2);
      const quoteIds: string[] = [];
      for (const needId of needIds)
        quoteIds.push((await must(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)).issueQuote.quote!.id);
      const UPDATE = `mutation($i: UpdateNeedInput!) { updateNeed(input: $i) { need { id } userErrors { code message } } }`;
      const ACCEPT = `mutation($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id } userErrors { code message } } }`;
      // Each pair goes to the two instances at once: the edit to one, the acceptance to the other.
      const results = await Promise.all(
        needIds.flatMap((needId, i) => [
          call(UPDATE, { i: { id: needId, monthlyVolume: 2 } }, b.key),
          call(ACCEPT, { i: { quoteId: quoteIds[i] } }, b.key),
        ]),
      );
      let accepted = 0;
      for (let i = 0; i < needIds.length; i++) {
        const [u, a] = [results[2 * i], results[2 * i + 1]];
        expect([u.errors, a.errors, u.status, a.status]).toEqual([undefined, undefined, 200, 200]);
        const won = !!a.data!.acceptQuote.engagement;
        expect(won).not.toBe(!!u.data!.updateNeed.need); // exactly one of the two
        const {
          rows: [q],
        } = await pg.query(
          `select q.status, n.status as need_status, n.monthly_volume, (select count(*)::int from engagement e where e.need_id = n.id) as engagements
             from quote q join need n on n.id = q.need_id where q.id = $1`,
          [quoteIds[i]],
        );
        if (won) {
          accepted++;
          expect(u.data!.updateNeed.userErrors[0].code).toBe('INVALID_TRANSITION');
          expect(q).toEqual({ status: 'ACCEPTED', need_status: 'AWARDED', monthly_volume: 1, engagements: 1 });
        } else {
          expect(a.data!.acceptQuote.userErrors[0].code).toBe('QUOTE_EXPIRED');
          expect(q).toEqual({ status: 'EXPIRED', need_status: 'OPEN', monthly_volume: 2, engagements: 0 });
        }
      }
      // What stays reserved is exactly the accepted engagements' units: the closed quotes hold nothing.
      const rows = await invariant(offeringId);
      expect(rows.map((m) => m.held_units + m.committed_units + m.conditional_units)).toEqual([accepted, accepted]);
    });
  });
}
