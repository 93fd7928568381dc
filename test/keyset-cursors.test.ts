// Keyset cursors: a page after endCursor never repeats or skips an item because items were added
// meanwhile (API.md), for top-level connections and nested ones.
import { randomBytes } from 'node:crypto';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import {
  buyer,
  createNeed,
  createOffering,
  createOrg,
  issueQuote,
  provider,
  setCapacity,
  nextMonth,
} from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

type Page = {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
};

/** Reads every page of 2, running `insert` between pages; returns the ids in page order. */
async function pageThrough(
  read: (after: string | null) => Promise<Page>,
  insert: () => Promise<unknown>,
): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 20; i++) {
    const page: Page = await read(after);
    ids.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) return ids;
    after = page.pageInfo.endCursor;
    await insert();
  }
  throw new Error('too many pages');
}

const expectEachOnce = (seen: string[], before: string[]) => {
  expect(new Set(seen).size).toBe(seen.length); // nothing repeated
  for (const id of before) expect(seen).toContain(id); // nothing that existed before was skipped
};

it('needs (newest first): new needs created between pages neither repeat nor push items out', async () => {
  const b = await buyer(t);
  const before: string[] = [];
  for (let i = 0; i < 5; i++) before.push(await createNeed(t, b.key));
  const read = async (after: string | null) =>
    ok(
      await t.gql(
        `query($a: String) { needs(first: 2, after: $a, filter: { buyerId: "${b.id}" }) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } }`,
        { a: after },
        b.key,
      ),
    ).needs;
  const seen = await pageThrough(read, () => createNeed(t, b.key));
  expect(seen).toEqual([...before].reverse());
});

it('offerings (by title) and Organization.offerings: an offering inserted before the cursor does not repeat an item', async () => {
  const p = await provider(t);
  const tag = randomBytes(4).toString('hex');
  const before: string[] = [];
  for (const letter of ['m', 'n', 'o', 'p', 'q'])
    before.push(await createOffering(t, p.key, { title: `${tag} ${letter}` }));
  let k = 0;
  const insert = () => createOffering(t, p.key, { title: `${tag} a${k++}` });
  const top = await pageThrough(
    async (after) =>
      ok(
        await t.gql(
          `query($a: String) { offerings(first: 2, after: $a, filter: { providerId: "${p.id}" }) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } }`,
          { a: after },
          p.key,
        ),
      ).offerings,
    insert,
  );
  expectEachOnce(top, before);
  const nested = await pageThrough(
    async (after) =>
      ok(
        await t.gql(
          `query($a: String) { organization(id: "${p.id}") { offerings(first: 2, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } } }`,
          { a: after },
          p.key,
        ),
      ).organization!.offerings,
    insert,
  );
  expectEachOnce(nested, before);
});

it('Organization.members (by name): a member added before the cursor does not repeat an item; totalCount stays right on the last page', async () => {
  const network = await createOrg(t, { kind: 'NETWORK' });
  const tag = randomBytes(4).toString('hex');
  const before: string[] = [];
  for (const letter of ['m', 'n', 'o', 'p'])
    before.push(await createOrg(t, { kind: 'HOSPITAL', name: `${tag} ${letter}`, networkId: network }));
  let k = 0;
  const read = async (after: string | null) =>
    ok(
      await t.gql(
        `query($a: String) { organization(id: "${network}") { members(first: 2, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } } }`,
        { a: after },
      ),
    ).organization!.members;
  const seen = await pageThrough(read, () =>
    createOrg(t, { kind: 'HOSPITAL', name: `${tag} a${k++}`, networkId: network }),
  );
  expect(seen).toEqual(before);
  const last = await read(
    Buffer.from(JSON.stringify([`${tag} zzz`, '00000000-0000-0000-0000-000000000000'])).toString('base64url'),
  );
  expect(last.edges).toEqual([]);
  expect(last.totalCount).toBe(before.length + k);
});

it('Need.quotes (cheapest first) and quotes: a cheaper quote issued between pages does not repeat an item', async () => {
  const b = await buyer(t);
  const needId = await createNeed(t, b.key, { monthlyVolume: 10, durationMonths: 1 });
  const issueOne = async (price: string) => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, {
      pricing: { currency: 'USD', unitPrice: price, setupFee: '0.00', monthlyMinimum: '0.00', tiers: [] },
    });
    await setCapacity(t, p.key, offeringId, [nextMonth(1)], 1000);
    return issueQuote(t, p.key, { needId, offeringId });
  };
  const before: string[] = [];
  for (const price of ['50.00', '51.00', '52.00', '53.00']) before.push(await issueOne(price));
  let cheaper = 10;
  const nested = await pageThrough(
    async (after) =>
      ok(
        await t.gql(
          `query($a: String) { need(id: "${needId}") { quotes(first: 2, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } } }`,
          { a: after },
          b.key,
        ),
      ).need!.quotes,
    () => issueOne(`${cheaper--}.00`),
  );
  expect(nested).toEqual(before);
  const top = await pageThrough(
    async (after) =>
      ok(
        await t.gql(
          `query($a: String) { quotes(first: 2, after: $a, filter: { needId: "${needId}" }) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } }`,
          { a: after },
          b.key,
        ),
      ).quotes,
    () => issueOne(`${cheaper--}.00`),
  );
  expect(new Set(top).size).toBe(top.length);
});

it('auditTrail (newest first): events recorded between pages neither repeat nor push items out', async () => {
  const b = await buyer(t);
  const needId = await createNeed(t, b.key);
  for (let i = 0; i < 4; i++)
    ok(
      await t.gql(
        `mutation { updateNeed(input: { id: "${needId}", notes: "n${i}" }) { userErrors { code } } }`,
        {},
        b.key,
      ),
    );
  const read = async (after: string | null) =>
    ok(
      await t.gql(
        `query($a: String) { auditTrail(entityId: "${needId}", first: 2, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } }`,
        { a: after },
        b.key,
      ),
    ).auditTrail;
  const first = await read(null);
  const all = first.totalCount;
  let k = 0;
  const seen = await pageThrough(read, () =>
    t.gql(`mutation { updateNeed(input: { id: "${needId}", notes: "m${k++}" }) { userErrors { code } } }`, {}, b.key),
  );
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.length).toBe(all);
});

it('a cursor that is not one of ours is BAD_USER_INPUT, never a 500 (positive control: ours work)', async () => {
  const b = await buyer(t);
  await createNeed(t, b.key);
  await createNeed(t, b.key);
  const read = (a: string) =>
    t.gql(`query($a: String) { needs(first: 1, after: $a) { edges { node { id } } } }`, { a }, b.key);
  for (const bad of [
    'nope',
    Buffer.from('cursor:3').toString('base64url'),
    Buffer.from('["not a date","x"]').toString('base64url'),
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["2026-01-01 00:00:00+00"]').toString('base64url'),
  ]) {
    const r = await read(bad);
    expect(r.status).toBeLessThan(500);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
  }
  const first = ok(await t.gql(`{ needs(first: 1) { pageInfo { endCursor } } }`, {}, b.key)).needs.pageInfo.endCursor;
  expect(ok(await read(first!)).needs.edges).toHaveLength(1);
});
