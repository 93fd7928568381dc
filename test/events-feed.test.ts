// The pull API: events(after:, types:) over the committed, ordered event stream, with the visibility
// of webhooks, keyset cursors, and the dispatcher's horizon (an open transaction's events wait for it).
import { Client } from 'pg';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import { buyer, createKey, createNeed, createOrg, provider } from './support/fixtures';
import { waitFor } from './support/server-process';
import type { ExchangeEvent } from './support/schema-types';

const EVENTS = `query($after: String, $types: [String!], $first: Int) { events(after: $after, types: $types, first: $first) {
  edges { cursor node { id type occurredAt entityType entityId data } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ EVENTS_POLL_MS: '0' });
});
afterAll(() => t.close());

const page = async (key: string | undefined, vars: Record<string, unknown> = {}) =>
  ok(await t.gql(EVENTS, vars, key)).events;

/**
 * Every event the key sees, read page by page from the beginning (or `after`), once there are `count`
 * (the stream stops below the oldest transaction running in the cluster: other test files' may hold it back a moment).
 */
const readAll = (key: string | undefined, vars: Record<string, unknown> = {}, first = 2, count = 1) =>
  waitFor(`${count} events`, async () => {
    const r = await readOnce(key, vars, first);
    return r.nodes.length >= count ? r : undefined;
  });

async function readOnce(key: string | undefined, vars: Record<string, unknown> = {}, first = 2) {
  const nodes: ExchangeEvent[] = [];
  let after = (vars.after as string | undefined) ?? null;
  for (;;) {
    const p = await page(key, { ...vars, after, first });
    nodes.push(...p.edges.map((e) => e.node));
    after = p.pageInfo.endCursor ?? after;
    if (!p.pageInfo.hasNextPage) return { nodes, cursor: after };
  }
}

it("reads its organization's events in stream order, page by page, and nothing of others", async () => {
  const hospital = await buyer(t);
  const other = await buyer(t);
  const mine = [
    await createNeed(t, hospital.key, { notes: 'ours' }),
    await createNeed(t, hospital.key),
    await createNeed(t, hospital.key),
  ];
  const theirs = await createNeed(t, other.key);

  const { nodes, cursor } = await readAll(hospital.key, {}, 2, 3);
  expect(nodes.map((n) => n.entityId)).toEqual(mine);
  expect(nodes.every((n) => n.type === 'need.created' && n.entityType === 'Need')).toBe(true);
  expect(nodes[0].data.after).toMatchObject({ notes: 'ours', status: 'OPEN' });
  expect(JSON.stringify(nodes)).not.toContain(theirs);
  // The other organization sees its own (positive control), the operator everything.
  expect((await readAll(other.key)).nodes.map((n) => n.entityId)).toEqual([theirs]);
  expect((await readAll(undefined, {}, 100, 4)).nodes.map((n) => n.entityId)).toEqual(
    expect.arrayContaining([...mine, theirs]),
  );

  // From the stored cursor: nothing new, an empty page (keep the cursor), then exactly the new event.
  const empty = await page(hospital.key, { after: cursor });
  expect(empty).toEqual({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, endCursor: null } });
  const next = await createNeed(t, hospital.key);
  expect((await readAll(hospital.key, { after: cursor })).nodes.map((n) => n.entityId)).toEqual([next]);
});

it('filters by type and pattern', async () => {
  const seller = await provider(t);
  const offering = ok(
    await t.gql(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } } }`,
      {
        i: {
          categoryCode: 'REVENUE_CYCLE',
          title: 'Feed test',
          description: 'x',
          ehrPlatformCodes: ['EPIC'],
          regionCodes: ['US-OH'],
          pricing: { currency: 'USD', unitPrice: '5.00', setupFee: '0.00', monthlyMinimum: '0.00', tiers: [] },
          slaTargets: [],
          coverageHours: 'BUSINESS_HOURS',
          languages: ['en'],
          certifications: [],
        },
      },
      seller.key,
    ),
  ).createOffering.offering!.id;
  await createNeed(t, seller.key);
  expect((await readAll(seller.key, { types: ['offering.*'] })).nodes.map((n) => [n.type, n.entityId])).toEqual([
    ['offering.created', offering],
  ]);
  expect((await readAll(seller.key, { types: ['need.created'] })).nodes.map((n) => n.type)).toEqual(['need.created']);
  expect((await readAll(seller.key, {}, 2, 2)).nodes.map((n) => n.type)).toEqual(['offering.created', 'need.created']);
});

it("gives a network's key its members' events, as its webhooks", async () => {
  const network = await createOrg(t, { kind: 'NETWORK' });
  const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
  const integration = await createKey(t, network, 'INTEGRATION');
  const needId = await createNeed(t, integration, { buyerId: member });
  expect((await readAll(integration)).nodes.map((n) => n.entityId)).toEqual([needId]);
});

it('refuses bad cursors, types and page sizes with BAD_USER_INPUT', async () => {
  const hospital = await buyer(t);
  const forged = (text: string) => Buffer.from(text).toString('base64url');
  for (const vars of [
    { after: 'bm90IGEgY3Vyc29y' },
    { after: forged('ev1:99999999999999999999.1.00000000-0000-4000-8000-000000000000') },
    { after: forged('ev1:1.99999999999999999999.00000000-0000-4000-8000-000000000000') },
    { after: Buffer.from('cursor:3').toString('base64url') },
    { types: ['need.teleported'] },
    { first: 101 },
  ]) {
    const r = await t.gql(EVENTS, vars, hospital.key);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
  }
  expect(await t.gql(EVENTS, {}, null)).toMatchObject({ status: 401 });
});

it("waits for an open transaction: a later commit is not read past an earlier one's event", async () => {
  const hospital = await buyer(t);
  const { cursor } = await readOnce(hospital.key);
  const slow = new Client({ connectionString: t.databaseUrl });
  await slow.connect();
  try {
    const insert = `insert into audit_event (id, action, entity_type, entity_id, party_ids, changes)
                    values (gen_random_uuid(), 'need.created', 'Need', gen_random_uuid(), array[$1::uuid], '{}') returning entity_id`;
    await slow.query('begin');
    const [first] = (await slow.query(insert, [hospital.id])).rows.map((r) => r.entity_id);
    const [second] = (await t.sql(insert, [hospital.id])).map((r) => r.entity_id);
    // The second committed, but the first's transaction is still open: neither is read yet.
    expect((await page(hospital.key, { after: cursor })).edges).toEqual([]);
    await slow.query('commit');
    expect((await readAll(hospital.key, { after: cursor }, 2, 2)).nodes.map((n) => n.entityId)).toEqual([
      first,
      second,
    ]);
  } finally {
    await slow.end();
  }
});
