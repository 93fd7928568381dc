// Fair webhook delivery: one tenant's backlog against a slow endpoint does not hold back the others'
// deliveries, a webhook has a bounded number of attempts in flight, a failing endpoint is paused by a
// circuit breaker (with an event and Webhook.status), and the delivery log is pruned.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ok, startTestApi, type TestApi } from './support/api';
import { buyer, createNeed } from './support/fixtures';
import { sleep, waitFor } from './support/server-process';
import { sweepExpiredHolds } from '../src/app/hold-sweeper';

/** A local receiver answering `status` after `delayMs`; records arrival times and the most requests in flight at once. */
async function receiver(delayMs: number, status = 200) {
  const arrivals: number[] = [];
  const answered: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.resume();
    req.on('end', () => {
      arrivals.push(Date.now());
      setTimeout(() => {
        inFlight--;
        answered.push(Date.now());
        res.statusCode = status;
        res.end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    answered,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { code field message } } }`;
async function createWebhook(t: TestApi, key: string, url: string) {
  const r = ok(
    await t.gql(CREATE, { i: { url, events: ['need.*'], secret: 'whsec-test-0123456789abcdef' } }, key),
  ).createWebhook;
  if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
  return r.webhook!.id as string;
}

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    EVENTS_POLL_MS: '50',
    WEBHOOK_TIMEOUT_MS: '10000',
    WEBHOOK_MAX_IN_FLIGHT_PER_WEBHOOK: '2',
    WEBHOOK_BREAKER_FAILURES: '3',
    WEBHOOK_BREAKER_PAUSE_MS: '60000',
    WEBHOOK_RETRY_BASE_MS: '50',
    HOLD_SWEEP_INTERVAL_MS: '0',
    WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
  });
});
afterAll(() => t.close());

it("a tenant's backlog against a slow endpoint neither exceeds its in-flight cap nor delays another tenant's delivery", async () => {
  const slow = await receiver(3000);
  const fast = await receiver(0);
  try {
    const flooder = await buyer(t);
    const other = await buyer(t);
    await createWebhook(t, flooder.key, slow.url);
    await createWebhook(t, other.key, fast.url);
    for (let i = 0; i < 20; i++) await createNeed(t, flooder.key);
    await waitFor('the slow endpoint to be busy', async () => (slow.arrivals.length >= 2 ? true : undefined));
    const posted = Date.now();
    await createNeed(t, other.key);
    await waitFor("the other tenant's delivery", async () => (fast.arrivals.length ? true : undefined));
    // FIFO over 16 slots made it wait until the slow endpoint answered its first batch (3 s)
    expect(fast.arrivals[0]).toBeLessThan(slow.answered[0] ?? Infinity);
    expect(fast.arrivals[0] - posted).toBeLessThan(3000);
    await sleep(500);
    expect(slow.maxInFlight()).toBeLessThanOrEqual(2);
    expect(slow.arrivals.length).toBeLessThan(20); // positive control: the backlog is still being worked through
  } finally {
    await slow.close();
    await fast.close();
  }
}, 60_000);

it('a failing endpoint is paused by the circuit breaker: Webhook.status PAUSED, a webhook.paused event, no more attempts meanwhile (a healthy one stays ACTIVE)', async () => {
  const failing = await receiver(0, 500);
  const healthy = await receiver(0);
  try {
    const b = await buyer(t);
    const c = await buyer(t);
    const failingId = await createWebhook(t, b.key, failing.url);
    const healthyId = await createWebhook(t, c.key, healthy.url);
    for (let i = 0; i < 3; i++) await createNeed(t, b.key);
    await createNeed(t, c.key);
    const status = async (key: string, id: string) =>
      ok(await t.gql(`{ webhooks { edges { node { id status pausedUntil } } } }`, {}, key))
        .webhooks.edges.map((e) => e.node)
        .find((w) => w.id === id);
    const paused = await waitFor('the breaker to open', async () =>
      (await status(b.key, failingId))!.status === 'PAUSED' ? status(b.key, failingId) : undefined,
    );
    expect(new Date(paused.pausedUntil!).getTime()).toBeGreaterThan(Date.now() + 30_000);
    const attempts = failing.arrivals.length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    await sleep(800); // retries would be due every 50-200 ms
    expect(failing.arrivals.length).toBe(attempts);
    expect(
      await t.sql(`select count(*)::int as n from audit_event where action = 'webhook.paused' and entity_id = $1`, [
        failingId,
      ]),
    ).toEqual([{ n: 1 }]);
    await waitFor('the healthy delivery', async () => (healthy.arrivals.length ? true : undefined));
    expect((await status(c.key, healthyId))!.status).toBe('ACTIVE');
  } finally {
    await failing.close();
    await healthy.close();
  }
}, 60_000);

it('the delivery log keeps finished deliveries WEBHOOK_DELIVERY_RETENTION_DAYS (30) days; pending ones stay', async () => {
  const hook = await receiver(0);
  try {
    const b = await buyer(t);
    const webhookId = await createWebhook(t, b.key, hook.url);
    await createNeed(t, b.key);
    await createNeed(t, b.key);
    await waitFor('two deliveries', async () =>
      (
        await t.sql(`select count(*)::int as n from webhook_delivery where webhook_id = $1 and status = 'SUCCEEDED'`, [
          webhookId,
        ])
      )[0].n === 2
        ? true
        : undefined,
    );
    const [old] = await t.sql(
      `update webhook_delivery set created_at = now() - interval '31 days' where id = (select id from webhook_delivery where webhook_id = $1 limit 1) returning id`,
      [webhookId],
    );
    await sweepExpiredHolds(t.api.deps);
    const left = await t.sql(`select id from webhook_delivery where webhook_id = $1`, [webhookId]);
    expect(left).toHaveLength(1);
    expect(left[0].id).not.toBe(old.id);
  } finally {
    await hook.close();
  }
});

describe('pacing', () => {
  // Polls every 2 s: a worker paced by its poll alone sends a webhook at most its in-flight cap (2)
  // per poll, so 30 deliveries to a prompt receiver took 15 polls (30 s). Claiming again as soon as
  // an attempt ends sends them all right after the poll that found them.
  const POLL_MS = 2000;
  let slowPoll: TestApi;
  beforeAll(async () => {
    slowPoll = await startTestApi({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      EVENTS_POLL_MS: String(POLL_MS),
      WEBHOOK_MAX_IN_FLIGHT_PER_WEBHOOK: '2',
      HOLD_SWEEP_INTERVAL_MS: '0',
      WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
    });
  });
  afterAll(() => slowPoll.close());

  it('a prompt receiver is sent its next delivery as soon as the last one is answered, not one poll later', async () => {
    const prompt = await receiver(0);
    try {
      const b = await buyer(slowPoll);
      await createWebhook(slowPoll, b.key, prompt.url);
      for (let i = 0; i < 30; i++) await createNeed(slowPoll, b.key);
      const posted = Date.now();
      await waitFor('30 deliveries', async () => (prompt.arrivals.length >= 30 ? true : undefined), 20_000);
      // At most two polls to find every event (one may start while the needs are still being posted).
      expect(Math.max(...prompt.arrivals) - posted).toBeLessThan(2 * POLL_MS + 1500);
      expect(prompt.maxInFlight()).toBeLessThanOrEqual(2);
    } finally {
      await prompt.close();
    }
  }, 60_000);
});
