// Round trips of the quote flow's writes: posting a need, issuing a quote and accepting it each run a
// small fixed number of SQL statements (the benchmark's quote flow depends on it), and still write one
// audit event per change, written in the change's transaction (which the event dispatcher follows).
import { ok, startTestApi, type TestApi } from './support/api';
import { ACCEPT, ISSUE, buyer, createOffering, needInput, nextMonth, provider, setCapacity } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const M = [nextMonth(1), nextMonth(2), nextMonth(3)];
const statements = (r: { headers: Headers }) => Number(r.headers.get('x-sql-statements'));
/** The API key lookup is cached for a moment; when the cache has lapsed it adds one statement. */
const KEY_LOOKUP = 1;

describe('SQL statements per quote-flow write', () => {
  it('createNeed 1, issueQuote 4, acceptQuote 4 (rival quotes to expire add 4), with one audit event per change', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, { categoryCode: 'CYBERSECURITY' });
    await setCapacity(t, p.key, offeringId, M, 1000);
    const rival = await provider(t);
    const rivalOffering = await createOffering(t, rival.key, { categoryCode: 'CYBERSECURITY' });
    await setCapacity(t, rival.key, rivalOffering, M, 1000);
    const b = await buyer(t);

    const need = await t.gql(
      `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id status } userErrors { code } } }`,
      { i: needInput({ categoryCode: 'CYBERSECURITY', monthlyVolume: 20, startMonth: M[0], durationMonths: 3 }) },
      b.key,
    );
    const needId = ok(need).createNeed.need!.id;
    expect(statements(need)).toBeLessThanOrEqual(1 + KEY_LOOKUP);

    const issue = await t.gql(ISSUE, { i: { needId, offeringId, pilotMonths: 1, pilotUnits: 5, validDays: 7 } }, p.key);
    const quoteId = ok(issue).issueQuote.quote!.id;
    expect(statements(issue)).toBeLessThanOrEqual(4 + KEY_LOOKUP);
    const other = ok(await t.gql(ISSUE, { i: { needId, offeringId: rivalOffering, validDays: 7 } }, rival.key))
      .issueQuote.quote!.id;

    const accept = await t.gql(ACCEPT, { i: { quoteId } }, b.key);
    expect(ok(accept).acceptQuote).toMatchObject({
      userErrors: [],
      quote: { status: 'ACCEPTED' },
      engagement: { status: 'ACTIVE', phase: 'PILOT' },
    });
    expect(statements(accept)).toBeLessThanOrEqual(4 + 4 + KEY_LOOKUP);

    const events = await t.sql<{ action: string; entity_id: string; tx: string }>(
      `select a.action, a.entity_id, a.tx::text from audit_event a where a.entity_id = any($1::uuid[]) order by a.action, a.at`,
      [[needId, quoteId, other, ok(accept).acceptQuote.engagement!.id]],
    );
    expect(events.map((e) => [e.action, e.entity_id])).toEqual([
      ['engagement.created', ok(accept).acceptQuote.engagement!.id],
      ['need.awarded', needId],
      ['need.created', needId],
      ['quote.accepted', quoteId],
      ['quote.issued', quoteId],
      ['quote.issued', other],
      ['quote.notAwarded', other],
    ]);
    // The acceptance's events (the rival's expiry included) were written in one transaction.
    const acceptance = events.filter((e) =>
      ['engagement.created', 'need.awarded', 'quote.accepted', 'quote.notAwarded'].includes(e.action),
    );
    expect(new Set(acceptance.map((e) => e.tx)).size).toBe(1);
    expect(new Set(events.map((e) => e.tx)).size).toBe(4); // need, two issues, acceptance
  });

  it('acceptQuote without a rival quote runs 4 statements', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, { categoryCode: 'CYBERSECURITY' });
    await setCapacity(t, p.key, offeringId, M, 1000);
    const b = await buyer(t);
    const needId = ok(
      await t.gql(
        `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } } }`,
        { i: needInput({ categoryCode: 'CYBERSECURITY', monthlyVolume: 20, startMonth: M[0], durationMonths: 3 }) },
        b.key,
      ),
    ).createNeed.need!.id;
    const quoteId = ok(await t.gql(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key)).issueQuote.quote!.id;
    const accept = await t.gql(ACCEPT, { i: { quoteId } }, b.key);
    expect(ok(accept).acceptQuote.userErrors).toEqual([]);
    expect(statements(accept)).toBeLessThanOrEqual(4 + KEY_LOOKUP);
  });
});
