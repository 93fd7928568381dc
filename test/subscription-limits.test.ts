// Subscriptions cannot amplify cost without bound: open subscriptions are capped per key and per
// client IP, their selections have a lower cost ceiling than queries, and every delivered event is
// charged to the key's rate limit.
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { ok, startTestApi, type TestApi } from './support/api';
import { buyer, createNeed, provider } from './support/fixtures';
import { waitFor } from './support/server-process';

let t: TestApi;
const clients: Client[] = [];
beforeAll(async () => {
  t = await startTestApi({
    SUBSCRIPTIONS_PER_KEY: '2',
    SUBSCRIPTIONS_PER_IP: '3',
    SUBSCRIPTION_MAX_COST: '20',
    RATE_LIMIT_PER_MINUTE: '15',
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await t.close();
});

function connect(key: string): Client {
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  return client;
}

function subscribe(client: Client, query: string) {
  const events: unknown[] = [];
  const errors: unknown[] = [];
  let settle!: (v: unknown) => void;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  const stop = client.subscribe(
    { query },
    {
      next: (r) => (r.errors ? errors.push(r.errors) : events.push(r.data)),
      error: (e) => (errors.push(e), settle(e)),
      complete: () => settle('complete'),
    },
  );
  return { events, errors, ended, stop };
}

const active = async () =>
  Number(
    /^graphql_subscriptions_active (\d+)/m.exec(
      await (await fetch(t.url.replace('/graphql', '/metrics'))).text(),
    )?.[1] ?? 0,
  );
const registered = (n: number) =>
  waitFor(`${n} open subscriptions`, async () => ((await active()) === n ? true : undefined));
const codeOf = (errors: unknown[]) => JSON.stringify(errors).match(/"code":"(\w+)"/)?.[1];
const NEEDS = `subscription { needEvents { type need { id } } }`;

it('a key holds at most SUBSCRIPTIONS_PER_KEY open subscriptions, across connections; completing one frees a place', async () => {
  const start = await active();
  const p = await provider(t);
  const one = subscribe(connect(p.key), NEEDS);
  const two = subscribe(connect(p.key), NEEDS);
  await registered(start + 2);
  const three = subscribe(connect(p.key), NEEDS);
  await three.ended;
  expect(codeOf(three.errors)).toBe('RATE_LIMITED');
  one.stop();
  await registered(start + 1);
  const again = subscribe(connect(p.key), NEEDS);
  await registered(start + 2);
  expect(again.errors).toEqual([]);
  two.stop();
  again.stop();
  await registered(start);
});

it('a client IP holds at most SUBSCRIPTIONS_PER_IP open subscriptions, whatever the keys', async () => {
  const start = await active();
  const subs = [];
  for (let i = 0; i < 3; i++) subs.push(subscribe(connect((await provider(t)).key), NEEDS));
  await registered(start + 3);
  const fourth = subscribe(connect((await provider(t)).key), NEEDS);
  await fourth.ended;
  expect(codeOf(fourth.errors)).toBe('RATE_LIMITED');
  subs.forEach((s) => s.stop());
  await registered(start);
});

it('a subscription selection has a lower cost ceiling than a query (positive control: the same selection as a query runs)', async () => {
  const p = await provider(t);
  const costly = subscribe(
    connect(p.key),
    `subscription { needEvents { need { id quotes(first: 30) { edges { node { id } } } } } }`,
  );
  await costly.ended;
  expect(codeOf(costly.errors)).toBe('BAD_USER_INPUT');
  expect(
    ok(
      await t.gql(
        `{ needs(first: 1) { edges { node { id quotes(first: 30) { edges { node { id } } } } } } }`,
        {},
        p.key,
      ),
    ).needs,
  ).toBeDefined();
});

it('every delivered event is charged to the key: a subscriber over its rate limit is disconnected (4429)', async () => {
  const shared = t;
  t = await startTestApi({ RATE_LIMIT_PER_MINUTE: '15' }); // a fresh operator budget for the fixtures
  try {
    const start = await active();
    const p = await provider(t);
    const buyers = [await buyer(t), await buyer(t)]; // each within its own limit of 15 points a minute
    const sub = subscribe(connect(p.key), NEEDS);
    await registered(start + 1);
    for (let i = 0; i < 20; i++) await createNeed(t, buyers[i % 2].key);
    const end = await Promise.race([sub.ended, new Promise((r) => setTimeout(() => r('still open'), 30_000))]);
    expect((end as { code?: number }).code).toBe(4429);
    expect(sub.events.length).toBeLessThan(20);
    expect(sub.events.length).toBeGreaterThan(5); // positive control: events flowed until the limit
  } finally {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await t.close();
    t = shared;
  }
}, 90_000);
