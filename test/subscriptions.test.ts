// Live events over WebSocket (graphql-ws) with two API processes on one database and real Redis:
// a change made through instance A reaches subscribers connected to instance B, with the same
// API-key auth and tenancy as queries.
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createDatabase, gql, ok, OPERATOR_KEY, startTestApi, type TestApi } from './support/api';
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
import { sleep, startServerProcess, waitFor, type ServerProcess } from './support/server-process';
import type { Subscription as SubscriptionRoot } from './support/schema-types';

let a: ServerProcess;
let b: ServerProcess;
let drop: () => Promise<void>;
/** Fixtures (organizations, keys, offerings, needs, quotes) are created through instance A. */
let viaA: TestApi;
const clients: Client[] = [];

beforeAll(async () => {
  const db = await createDatabase();
  drop = db.drop;
  a = await startServerProcess(db.url);
  b = await startServerProcess(db.url);
  viaA = {
    gql: (query: string, variables?: Record<string, unknown>, key: string | null = OPERATOR_KEY) =>
      gql(a.url, query, variables, key),
  } as TestApi;
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([a, b].map((s) => s?.stop()));
  await drop?.();
});

const wsUrl = (s: ServerProcess) => s.url.replace(/^http/, 'ws');

function connect(server: ServerProcess, connectionParams?: Record<string, unknown>): Client {
  const client = createClient({
    url: wsUrl(server),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  return client;
}

interface LiveSubscription<T> {
  events: T[];
  errors: unknown[];
  /** Resolves with the first event matching `match`. */
  next(match: (e: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves with how the connection was closed (or the error the subscription ended with). */
  ended: Promise<unknown>;
  stop(): void;
}

/** Events are typed as the schema's Subscription root: a test reads the root field it subscribed to. */
function subscribe<T = SubscriptionRoot>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  const events: T[] = [];
  const errors: unknown[] = [];
  let settle!: (v: unknown) => void;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => (r.errors ? errors.push(r.errors) : events.push(r.data as T)),
      error: (e) => {
        errors.push(e);
        settle(e);
      },
      complete: () => settle('complete'),
    },
  );
  return {
    events,
    errors,
    ended,
    stop,
    next: (match, timeoutMs = 10_000) => waitFor('a matching event', async () => events.find(match), timeoutMs),
  };
}

/** Subscriptions currently open on a server process, from its Prometheus metrics. */
async function activeSubscriptions(server: ServerProcess): Promise<number> {
  const text = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
  return Number(/^graphql_subscriptions_active (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Waits until the server has registered `n` more subscriptions than `before` (so no event can be missed). */
const subscribed = (server: ServerProcess, before: number, n: number) =>
  waitFor('the subscriptions to be registered', async () =>
    (await activeSubscriptions(server)) >= before + n ? true : undefined,
  );

const QUOTE_EVENTS = `subscription { quoteEvents { id type occurredAt quote { id status version provider { id } buyer { id } } } }`;
const ENGAGEMENT_EVENTS = `subscription { engagementEvents { type engagement { id status phase quote { id } } } }`;
const NEED_EVENTS = `subscription($c: [String!], $r: [String!]) { needEvents(categoryCodes: $c, regionCodes: $r) { type occurredAt need { id status region { code } category { code } maxUnitPrice notes buyer { id } } } }`;

describe('quote and engagement events across instances', () => {
  it('a subscriber on instance B hears an acceptance made on instance A; a competitor hears nothing about that quote', async () => {
    // Given two providers quoting the same need
    const months = [nextMonth(1), nextMonth(2)];
    const seller = await provider(viaA);
    const competitor = await provider(viaA);
    const hospital = await buyer(viaA);
    const sellerOffering = await createOffering(viaA, seller.key);
    const competitorOffering = await createOffering(viaA, competitor.key);
    await setCapacity(viaA, seller.key, sellerOffering, months, 1000);
    await setCapacity(viaA, competitor.key, competitorOffering, months, 1000);
    const needId = await createNeed(viaA, hospital.key, {
      startMonth: months[0],
      durationMonths: 2,
      monthlyVolume: 50,
    });
    const quoteId = await issueQuote(viaA, seller.key, { needId, offeringId: sellerOffering });
    const competitorQuoteId = await issueQuote(viaA, competitor.key, { needId, offeringId: competitorOffering });

    // and subscribers on instance B: the seller, the competitor, the hospital's engagements
    const before = await activeSubscriptions(b);
    const sellerSub = subscribe(connect(b, { authorization: `Bearer ${seller.key}` }), QUOTE_EVENTS);
    const competitorSub = subscribe(connect(b, { apiKey: competitor.key }), QUOTE_EVENTS);
    const hospitalSub = subscribe(connect(b, { authorization: `Bearer ${hospital.key}` }), ENGAGEMENT_EVENTS);
    await subscribed(b, before, 3);

    // When the hospital accepts the seller's quote through instance A
    const accepted = ok(await viaA.gql(ACCEPT, { i: { quoteId } }, hospital.key)).acceptQuote;
    expect(accepted.userErrors).toEqual([]);

    // Then the seller on B hears ACCEPTED with the quote as it is now
    const event = await sellerSub.next((e) => e.quoteEvents.type === 'ACCEPTED');
    expect(event.quoteEvents).toMatchObject({
      type: 'ACCEPTED',
      quote: { id: quoteId, status: 'ACCEPTED', version: 1, provider: { id: seller.id }, buyer: { id: hospital.id } },
    });
    expect(new Date(event.quoteEvents.occurredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // the hospital hears its new engagement
    const created = await hospitalSub.next((e) => e.engagementEvents.type === 'CREATED');
    expect(created.engagementEvents.engagement).toMatchObject({ id: accepted.engagement!.id, quote: { id: quoteId } });
    // and the competitor hears that its own quote was not awarded, and nothing about the seller's quote
    const expired = await competitorSub.next((e) => e.quoteEvents.type === 'NOT_AWARDED');
    expect(expired.quoteEvents.quote).toMatchObject({ id: competitorQuoteId, status: 'NOT_AWARDED' });
    await sleep(1500);
    // (the ISSUED events may arrive too when they were dispatched after the subscriptions started)
    expect(new Set(competitorSub.events.map((e) => e.quoteEvents.quote.id))).toEqual(new Set([competitorQuoteId]));
    expect(new Set(sellerSub.events.map((e) => e.quoteEvents.quote.id))).toEqual(new Set([quoteId]));
    expect(competitorSub.events.map((e) => e.quoteEvents.type).filter((t) => t !== 'ISSUED')).toEqual(['NOT_AWARDED']);
    expect(sellerSub.events.map((e) => e.quoteEvents.type).filter((t) => t !== 'ISSUED')).toEqual(['ACCEPTED']);
    expect([sellerSub.errors, competitorSub.errors, hospitalSub.errors]).toEqual([[], [], []]);
  });

  it('delivers each event once even though both instances run the dispatcher', async () => {
    const p = await provider(viaA);
    const h = await buyer(viaA);
    const offeringId = await createOffering(viaA, p.key);
    await setCapacity(viaA, p.key, offeringId, [nextMonth(1)], 1000);
    const before = await activeSubscriptions(a);
    const sub = subscribe(connect(a, { authorization: `Bearer ${p.key}` }), QUOTE_EVENTS);
    await subscribed(a, before, 1);
    const needs = await Promise.all(
      Array.from({ length: 8 }, () =>
        createNeed(viaA, h.key, { startMonth: nextMonth(1), durationMonths: 1, monthlyVolume: 5 }),
      ),
    );
    // issued through both instances
    const quotes = await Promise.all(
      needs.map((needId, i) =>
        issueQuote(
          {
            gql: (q: string, v?: Record<string, unknown>, k?: string | null) => gql((i % 2 ? a : b).url, q, v, k),
          } as TestApi,
          p.key,
          { needId, offeringId },
        ),
      ),
    );
    await waitFor('every ISSUED event', async () => (sub.events.length >= quotes.length ? true : undefined));
    await sleep(1000);
    expect(sub.events.map((e) => e.quoteEvents.quote.id).sort()).toEqual([...quotes].sort());
    expect(new Set(sub.events.map((e) => e.quoteEvents.id)).size).toBe(quotes.length);
  });
});

describe('authentication', () => {
  it('refuses a connection without an API key (4401)', async () => {
    const sub = subscribe(connect(b), QUOTE_EVENTS);
    const closed = (await sub.ended) as { code?: number };
    expect(closed.code).toBe(4401);
    expect(sub.events).toEqual([]);
  });

  it('refuses a connection with a wrong key (4401)', async () => {
    const sub = subscribe(connect(b, { authorization: 'Bearer not-a-real-key-000000000000' }), QUOTE_EVENTS);
    expect(((await sub.ended) as { code?: number }).code).toBe(4401);
  });

  it('refuses queries and mutations over WebSocket (they belong to POST /graphql)', async () => {
    const sub = subscribe(connect(b, { authorization: `Bearer ${OPERATOR_KEY}` }), '{ viewer { role } }');
    const errors = (await sub.ended) as { message: string; extensions: { code: string } }[];
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toMatch(/Only subscriptions/);
  });

  it('answers a subscription sent over HTTP with a pointer to the WebSocket endpoint', async () => {
    const r = await gql(b.url, 'subscription { quoteEvents { type } }');
    expect(r.status).toBe(400);
    expect(r.errors![0]).toMatchObject({
      message: expect.stringMatching(/WebSocket/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('closes the connection once its key is revoked', async () => {
    const p = await provider(viaA);
    const created = ok(
      await viaA.gql(
        `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret } }`,
        { i: { organizationId: p.id, role: 'SALES', label: 'portal' } },
        p.key,
      ),
    );
    const { secret: key, apiKey } = created.createApiKey;
    const offeringId = await createOffering(viaA, p.key);
    await setCapacity(viaA, p.key, offeringId, [nextMonth(1)], 1000);
    const h = await buyer(viaA);
    const needId = await createNeed(viaA, h.key, { startMonth: nextMonth(1), durationMonths: 1, monthlyVolume: 5 });
    const before = await activeSubscriptions(b);
    const sub = subscribe(connect(b, { authorization: `Bearer ${key}` }), QUOTE_EVENTS);
    await subscribed(b, before, 1);
    const revoked = ok(
      await viaA.gql(
        `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }`,
        { i: { id: apiKey!.id } },
        p.key,
      ),
    );
    expect(revoked.revokeApiKey.userErrors).toEqual([]);
    await sleep(1100); // revocation reaches every instance within one second
    await issueQuote(viaA, p.key, { needId, offeringId });
    expect(((await sub.ended) as { code?: number }).code).toBe(4401);
    expect(sub.events).toEqual([]);
  });
});

describe('needEvents', () => {
  it('delivers new open needs in the chosen categories and regions only, without the buyer’s private fields', async () => {
    const seller = await provider(viaA);
    const hospital = await buyer(viaA);
    const before = await activeSubscriptions(b);
    const sub = subscribe(connect(b, { authorization: `Bearer ${seller.key}` }), NEED_EVENTS, {
      c: ['REVENUE_CYCLE', 'MEDICAL_CODING'],
      r: ['HHS-5'],
    });
    const everything = subscribe(connect(b, { authorization: `Bearer ${seller.key}` }), NEED_EVENTS);
    const buyerSide = subscribe(connect(b, { authorization: `Bearer ${hospital.key}` }), NEED_EVENTS, { r: ['US-OH'] });
    await subscribed(b, before, 3);

    const private_ = { maxUnitPrice: '9.5000', notes: 'budget approved' };
    const inOhio = await createNeed(viaA, hospital.key, {
      categoryCode: 'REVENUE_CYCLE',
      regionCode: 'US-OH',
      ...private_,
    }); // HHS-5
    const inIllinois = await createNeed(viaA, hospital.key, {
      categoryCode: 'MEDICAL_CODING',
      regionCode: 'US-IL',
      ...private_,
    }); // HHS-5
    const inCalifornia = await createNeed(viaA, hospital.key, { categoryCode: 'REVENUE_CYCLE', regionCode: 'US-CA' }); // HHS-9
    const otherCategory = await createNeed(viaA, hospital.key, { categoryCode: 'CALL_CENTER', regionCode: 'US-OH' });

    await everything.next((e) => e.needEvents.need.id === otherCategory);
    await sub.next((e) => e.needEvents.need.id === inIllinois);
    await sleep(1000);
    // Events of different needs are not ordered (both instances dispatch; docs/integrations.md).
    const ids = (s: typeof sub) => s.events.map((e) => e.needEvents.need.id).sort();
    expect(ids(sub)).toEqual([inOhio, inIllinois].sort());
    expect(ids(everything)).toEqual([inOhio, inIllinois, inCalifornia, otherCategory].sort());
    expect(sub.events.find((e) => e.needEvents.need.id === inOhio)!.needEvents).toMatchObject({
      type: 'CREATED',
      need: {
        id: inOhio,
        status: 'OPEN',
        region: { code: 'US-OH' },
        category: { code: 'REVENUE_CYCLE' },
        maxUnitPrice: null,
        notes: null,
        buyer: { id: hospital.id },
      },
    });
    // The buyer side reads its own need's private fields, as in queries.
    await waitFor('both of the buyer’s Ohio needs', async () => (buyerSide.events.length >= 2 ? true : undefined));
    expect(ids(buyerSide)).toEqual([inOhio, otherCategory].sort());
    expect(buyerSide.events.find((e) => e.needEvents.need.id === inOhio)!.needEvents.need).toMatchObject({
      maxUnitPrice: '9.50',
      notes: 'budget approved',
    });
  });

  it('refuses unknown category or region codes', async () => {
    const sub = subscribe(connect(b, { authorization: `Bearer ${OPERATOR_KEY}` }), NEED_EVENTS, { r: ['US-XX'] });
    const result = await waitFor('an error', async () => (sub.errors.length ? sub.errors[0] : undefined));
    expect(JSON.stringify(result)).toMatch(/BAD_USER_INPUT/);
    expect(JSON.stringify(result)).toMatch(/Unknown region code/);
  });
});

describe('one instance without Redis', () => {
  it('fans events out in process, and closes subscriptions (1001) when the server stops', async () => {
    const t = await startTestApi({ REDIS_URL: '' });
    expect(t.api.deps.store.kind).toBe('memory');
    const server = { url: t.url } as ServerProcess;
    const hospital = await buyer(t);
    const seller = await provider(t);
    const before = await activeSubscriptions(server);
    const sub = subscribe(connect(server, { authorization: `Bearer ${seller.key}` }), NEED_EVENTS);
    await subscribed(server, before, 1);
    const needId = await createNeed(t, hospital.key);
    await sub.next((e) => e.needEvents.need.id === needId);

    const started = Date.now();
    await t.close();
    expect(((await sub.ended) as { code?: number }).code).toBe(1001);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reads an event’s object once for all the instance’s subscribers, each still seeing only what it may read', async () => {
    const t = await startTestApi({ REDIS_URL: '' });
    // The API runs in this process: count the statements that read needs by id (the needById loader's).
    const sent = jest.spyOn(PgClient.prototype, 'query');
    const needReads = () =>
      sent.mock.calls.filter(([q]) =>
        /^select \* from "need" where id = any/.test((q as { text?: string })?.text ?? ''),
      ).length;
    try {
      const server = { url: t.url } as ServerProcess;
      const hospital = await buyer(t);
      const sellers = [await provider(t), await provider(t)];
      const subs = Array.from({ length: 6 }, (_, i) =>
        subscribe(
          connect(server, { authorization: `Bearer ${sellers[i % 2].key}` }),
          `subscription { needEvents { need { id status maxUnitPrice buyer { id } } } }`,
        ),
      );
      const own = subscribe(
        connect(server, { authorization: `Bearer ${hospital.key}` }),
        `subscription { needEvents { need { id maxUnitPrice } } }`,
      );
      await subscribed(server, 0, 7);
      const needId = await createNeed(t, hospital.key, { maxUnitPrice: '7.25' });
      const before = needReads(); // the event is dispatched after the mutation's answer
      for (const sub of [...subs, own]) await sub.next((e) => e.needEvents.need.id === needId);
      expect(needReads() - before).toBe(1); // was one per subscriber (7)
      // Shared reads, per-viewer access: sellers do not see the buyer's price, the buyer does.
      for (const sub of subs) expect(sub.events[0].needEvents.need).toMatchObject({ id: needId, maxUnitPrice: null });
      expect(own.events[0].needEvents.need).toEqual({ id: needId, maxUnitPrice: '7.25' });
    } finally {
      sent.mockRestore();
      await t.close();
    }
  }, 60_000);

  it('refuses subscriptions whose selection is too expensive to run for every event', async () => {
    const t = await startTestApi({ REDIS_URL: '' });
    try {
      const nested = (alias: string) =>
        `${alias}: quotes(first: 100) { edges { node { need { quotes(first: 100) { totalCount } } } } }`;
      const query = `subscription { quoteEvents { quote { need { ${nested('a')} ${nested('b')} ${nested('c')} } } } }`;
      const sub = subscribe(
        connect({ url: t.url } as ServerProcess, { authorization: `Bearer ${OPERATOR_KEY}` }),
        query,
      );
      const errors = (await sub.ended) as { message: string; extensions: { code: string } }[];
      expect(errors[0]).toMatchObject({
        message: expect.stringMatching(/too expensive/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    } finally {
      await t.close();
    }
  });
});
