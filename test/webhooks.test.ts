// Webhooks for regional networks: signed deliveries to a local receiver, retries with backoff, no
// loss across a restart, a delivery log with tenancy, and SSRF targets refused.
import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Client } from 'pg';
import { createDatabase, errorCode, gql, ok, OPERATOR_KEY, startTestApi, type TestApi } from './support/api';
import { buyer, createKey, createNeed, createOrg, provider } from './support/fixtures';
import { sleep, startServerProcess, waitFor, type ServerProcess } from './support/server-process';
import { bodyOf, receiver, type Received } from './support/webhook-receiver';

/**
 * What a receiver does: verifies the Standard Webhooks signature with the `standardwebhooks` package
 * (this secret predates whsec_ secrets, so its raw bytes are the key), and the deprecated
 * X-Exchange-Signature (HMAC-SHA256 of "<timestamp>.<raw body>", hex) still sent for one release.
 */
function signatureValid(r: Received, secret: string): boolean {
  try {
    new StandardWebhook(Buffer.from(secret), { format: 'raw' }).verify(r.body, r.headers as Record<string, string>);
  } catch {
    return false;
  }
  const timestamp = String(r.headers['x-exchange-timestamp']);
  const legacy = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex');
  return r.headers['x-exchange-signature'] === legacy && r.headers['webhook-timestamp'] === timestamp;
}

const SECRET = 'whsec-test-0123456789abcdef';
const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id url events active organization { id } } userErrors { code field message } } }`;
const DELETE = `mutation($i: DeleteWebhookInput!) { deleteWebhook(input: $i) { webhook { id } userErrors { code field message } } }`;
const DELIVERIES = `query($id: ID!, $status: WebhookDeliveryStatus) { webhookDeliveries(webhookId: $id, status: $status) { totalCount edges { node {
  id eventId event status attempts lastStatusCode lastError nextAttemptAt lastAttemptAt deliveredAt createdAt } } } }`;

async function createWebhook(gqlOf: Pick<TestApi, 'gql'>, key: string, input: Record<string, unknown>) {
  const r = ok(await gqlOf.gql(CREATE, { i: { secret: SECRET, ...input } }, key)).createWebhook;
  if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
  return r.webhook!.id as string;
}

const deliveriesOf = async (gqlOf: Pick<TestApi, 'gql'>, key: string, id: string) =>
  ok(await gqlOf.gql(DELIVERIES, { id }, key)).webhookDeliveries.edges.map((e) => e.node);

describe('webhook deliveries (local receiver, private targets allowed)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_BASE_MS: '300',
      EVENTS_POLL_MS: '50',
      WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
    });
  });
  afterAll(() => t.close());

  it('POSTs each subscribed event as signed JSON, and logs the delivery', async () => {
    const hook = await receiver();
    try {
      const hospital = await buyer(t);
      const webhookId = await createWebhook(t, hospital.key, { url: hook.url, events: ['need.*'] });
      const needId = await createNeed(t, hospital.key, {
        categoryCode: 'REVENUE_CYCLE',
        regionCode: 'US-OH',
        notes: 'for the network',
      });

      const [r] = await waitFor('the delivery', async () => (hook.received.length ? hook.received : undefined));
      expect(signatureValid(r, SECRET)).toBe(true);
      expect(signatureValid(r, 'another-secret-0123456789')).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-exchange-event']).toBe('need.created');
      const body = bodyOf(r);
      expect(body).toMatchObject({
        type: 'need.created',
        entityType: 'Need',
        entityId: needId,
        data: { after: { categoryCode: 'REVENUE_CYCLE', regionCode: 'US-OH', status: 'OPEN' } },
      });
      expect(new Date(body.occurredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const [log] = await waitFor('the delivery to be recorded', async () => {
        const d = await deliveriesOf(t, hospital.key, webhookId);
        return d[0]?.status === 'SUCCEEDED' ? d : undefined;
      });
      expect(r.headers['webhook-id']).toBe(body.id);
      expect(log).toMatchObject({
        id: r.headers['x-exchange-delivery'],
        eventId: body.id,
        event: 'need.created',
        status: 'SUCCEEDED',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
      });
      expect(log.deliveredAt).toBeTruthy();
      // Events the webhook did not subscribe to are not sent.
      await createOrg(t); // organization.created: not a webhook event
      await sleep(500);
      expect(hook.received).toHaveLength(1);
      // The secret is stored sealed and never readable back.
      const [row] = await t.sql('select secret from webhook where id = $1', [webhookId]);
      expect(row.secret).not.toContain(SECRET);
      expect(row.secret).toMatch(/^v1:/);
    } finally {
      await hook.close();
    }
  });

  it('retries a failing receiver with exponential backoff until it succeeds', async () => {
    const hook = await receiver((n) => (n <= 2 ? 500 : 204));
    try {
      const hospital = await buyer(t);
      const webhookId = await createWebhook(t, hospital.key, { url: hook.url, events: ['need.created'] });
      await createNeed(t, hospital.key);
      const [log] = await waitFor('the third attempt to succeed', async () => {
        const d = await deliveriesOf(t, hospital.key, webhookId);
        return d[0]?.status === 'SUCCEEDED' ? d : undefined;
      });
      expect(log).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastStatusCode: 204, lastError: null });
      expect(hook.received).toHaveLength(3);
      expect(hook.received.map((r) => r.headers['x-exchange-attempt'])).toEqual(['1', '2', '3']);
      // The same event (same id and body) each time, each attempt freshly signed.
      expect(new Set(hook.received.map((r) => bodyOf(r).id)).size).toBe(1);
      expect(hook.received.every((r) => signatureValid(r, SECRET))).toBe(true);
      // Backoff: 300 ms, then 600 ms (base WEBHOOK_RETRY_BASE_MS=300).
      const [first, second, third] = hook.received.map((r) => r.at);
      expect(second - first).toBeGreaterThanOrEqual(280);
      expect(third - second).toBeGreaterThanOrEqual(580);
    } finally {
      await hook.close();
    }
  });

  it('records failed attempts in the log while retrying', async () => {
    const hook = await receiver(() => 503);
    try {
      const hospital = await buyer(t);
      const webhookId = await createWebhook(t, hospital.key, { url: hook.url, events: ['need.created'] });
      await createNeed(t, hospital.key);
      const [log] = await waitFor('a failed attempt', async () => {
        const d = await deliveriesOf(t, hospital.key, webhookId);
        return d[0]?.attempts >= 1 && d[0].lastStatusCode ? d : undefined;
      });
      expect(log).toMatchObject({ status: 'PENDING', lastStatusCode: 503, lastError: 'HTTP 503: receiver is down' });
      expect(new Date(log.nextAttemptAt!).getTime()).toBeGreaterThan(Date.now() - 1000);
      ok(await t.gql(DELETE, { i: { id: webhookId } }, hospital.key));
    } finally {
      await hook.close();
    }
  });

  it("delivers a member hospital's events to its network's webhook (INTEGRATION key)", async () => {
    const hook = await receiver();
    try {
      const network = await createOrg(t, { kind: 'NETWORK' });
      const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
      const integration = await createKey(t, network, 'INTEGRATION');
      const webhookId = await createWebhook(t, integration, { url: hook.url, events: ['need.created'] });
      const needId = await createNeed(t, integration, { buyerId: member });
      await waitFor('the delivery', async () => (hook.received.length ? true : undefined));
      expect(bodyOf(hook.received[0])).toMatchObject({ type: 'need.created', entityId: needId });
      expect((await deliveriesOf(t, integration, webhookId))[0]).toMatchObject({ event: 'need.created' });
    } finally {
      await hook.close();
    }
  });

  it('shows webhooks and their deliveries only to their organization and the operator', async () => {
    const owner = await buyer(t);
    const other = await provider(t);
    const sales = await createKey(t, owner.id, 'SALES');
    const webhookId = await createWebhook(t, owner.key, { url: 'http://127.0.0.1:9/hook', events: ['quote.accepted'] });

    const LIST = `{ webhooks { totalCount edges { node { id url events organization { id } } } } }`;
    expect(ok(await t.gql(LIST, {}, owner.key)).webhooks.edges.map((e) => e.node)).toEqual([
      { id: webhookId, url: 'http://127.0.0.1:9/hook', events: ['quote.accepted'], organization: { id: owner.id } },
    ]);
    expect(ok(await t.gql(LIST, {}, other.key)).webhooks.totalCount).toBe(0);
    expect(ok(await t.gql(LIST)).webhooks.edges.map((e) => e.node.id)).toContain(webhookId);
    // Someone else's webhook reads exactly like a missing one.
    const missing = await t.gql(DELIVERIES, { id: '00000000-0000-4000-8000-00000000dead' }, other.key);
    const foreign = await t.gql(DELIVERIES, { id: webhookId }, other.key);
    expect(errorCode(foreign)).toBe('NOT_FOUND');
    expect(foreign.errors![0].message).toBe(missing.errors![0].message);
    expect(errorCode(await t.gql(DELETE, { i: { id: webhookId } }, other.key))).toBe('NOT_FOUND');
    // SALES keys are read-only and do not manage integrations.
    expect(errorCode(await t.gql(LIST, {}, sales))).toBe('FORBIDDEN');
    expect(
      errorCode(
        await t.gql(CREATE, { i: { url: 'http://127.0.0.1:9/x', events: ['need.created'], secret: SECRET } }, sales),
      ),
    ).toBe('FORBIDDEN');
    // Acting for another organization is forbidden.
    expect(
      errorCode(
        await t.gql(
          CREATE,
          { i: { organizationId: owner.id, url: 'http://127.0.0.1:9/x', events: ['need.created'], secret: SECRET } },
          other.key,
        ),
      ),
    ).toBe('FORBIDDEN');
    // The operator reads the log; the owner deletes it (and it is audited).
    expect(ok(await t.gql(DELIVERIES, { id: webhookId })).webhookDeliveries.totalCount).toBe(0);
    expect(ok(await t.gql(DELETE, { i: { id: webhookId } }, owner.key)).deleteWebhook).toEqual({
      webhook: { id: webhookId },
      userErrors: [],
    });
    expect(errorCode(await t.gql(DELIVERIES, { id: webhookId }, owner.key))).toBe('NOT_FOUND');
    const trail = ok(
      await t.gql(
        `query($id: ID) { auditTrail(entityId: $id) { edges { node { action changes } } } }`,
        { id: webhookId },
        owner.key,
      ),
    ).auditTrail.edges.map((e) => e.node);
    expect(trail.map((e) => e.action)).toEqual(['webhook.deleted', 'webhook.created']);
    expect(JSON.stringify(trail)).not.toContain(SECRET);
  });

  it('validates events and secret as userErrors', async () => {
    const owner = await buyer(t);
    const r = ok(
      await t.gql(
        CREATE,
        { i: { url: 'http://127.0.0.1:9/x', events: ['quote.accepted', 'quote.teleported'], secret: 'short' } },
        owner.key,
      ),
    ).createWebhook;
    expect(r.webhook).toBeNull();
    expect(r.userErrors).toEqual([
      { code: 'VALIDATION', field: 'input.secret', message: 'secret must be 16 to 200 characters long.' },
      {
        code: 'VALIDATION',
        field: 'input.events',
        message: 'Unknown event type "quote.teleported"; see webhookEventTypes.',
      },
    ]);
    const types = ok(await t.gql(`{ webhookEventTypes { name description } }`, {}, owner.key)).webhookEventTypes.map(
      (e) => e.name,
    );
    expect(types).toEqual(expect.arrayContaining(['quote.accepted', 'engagement.phaseAdvanced', 'need.created']));
  });
});

describe('SSRF: private, loopback and link-local targets are refused (default configuration)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(() => t.close());

  it.each([
    ['http://127.0.0.1/hook', /private, loopback or link-local/],
    ['http://169.254.169.254/latest/meta-data/', /private, loopback or link-local/],
    ['http://10.0.0.1/hook', /private, loopback or link-local/],
    ['http://192.168.1.20:8080/hook', /private, loopback or link-local/],
    ['http://[::1]/hook', /private, loopback or link-local/],
    ['http://0x7f.0.0.1/hook', /private, loopback or link-local/],
    ['http://localhost:8080/hook', /localhost resolves to .*private, loopback or link-local/],
    ['ftp://files.example.org/hook', /must start with https:\/\/ or http:\/\//],
    ['https://user:pass@example.org/hook', /must not contain credentials/],
    ['not a url', /not a valid absolute URL/],
  ])('refuses %s', async (url, message) => {
    const r = ok(
      await t.gql(CREATE, {
        i: { organizationId: await createOrg(t), url, events: ['quote.accepted'], secret: SECRET },
      }),
    ).createWebhook;
    expect(r.webhook).toBeNull();
    expect(r.userErrors).toHaveLength(1);
    expect(r.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: 'input.url' });
    expect(r.userErrors[0].message).toMatch(message);
    expect(await t.sql('select 1 from webhook where url = $1', [url])).toEqual([]);
  });

  it('checks the address again at delivery time (a stored private target is never contacted)', async () => {
    const hook = await receiver();
    try {
      const hospital = await buyer(t);
      // As if the webhook had been created while its host still resolved to a public address.
      const port = new URL(hook.url).port;
      for (const url of [hook.url, `http://localhost:${port}/hooks/exchange`]) {
        await t.sql(
          `insert into webhook (id, organization_id, url, events, secret) values (gen_random_uuid(), $1, $2, '{need.created}', $3)`,
          [hospital.id, url, `plain:${SECRET}`],
        );
      }
      await createNeed(t, hospital.key);
      const failures = await waitFor('both attempts to fail', async () => {
        const rows = await t.sql(
          `select d.last_error from webhook_delivery d join webhook w on w.id = d.webhook_id where w.organization_id = $1 and d.attempts >= 1 and d.last_error is not null`,
          [hospital.id],
        );
        return rows.length === 2 ? rows.map((r) => r.last_error as string) : undefined;
      });
      expect(failures.every((e) => /private, loopback or link-local/.test(e))).toBe(true);
      expect(hook.received).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('accepts a public address', async () => {
    const owner = await buyer(t);
    const r = ok(
      await t.gql(
        CREATE,
        { i: { url: 'https://93.184.215.14/hooks/exchange', events: ['engagement.completed'], secret: SECRET } },
        owner.key,
      ),
    ).createWebhook;
    expect(r.userErrors).toEqual([]);
    expect(r.webhook).toMatchObject({
      url: 'https://93.184.215.14/hooks/exchange',
      events: ['engagement.completed'],
      active: true,
      organization: { id: owner.id },
    });
  });
});

describe('restarts lose nothing (server processes on one database)', () => {
  let pg: Client;
  let drop: () => Promise<void>;
  let url: string;
  const servers: ServerProcess[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const s = await startServerProcess(url, { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', EVENTS_POLL_MS: '50', ...env });
    servers.push(s);
    return s;
  };
  const via = (s: ServerProcess) =>
    ({
      gql: (q: string, v?: Record<string, unknown>, k: string | null = OPERATOR_KEY) => gql(s.url, q, v, k),
    }) as TestApi;

  beforeAll(async () => {
    const db = await createDatabase();
    url = db.url;
    drop = db.drop;
    pg = new Client({ connectionString: url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await Promise.all(servers.map((s) => s.stop()));
    await drop();
  });

  it('an event committed before the instance stops is dispatched and delivered by the next one', async () => {
    const hook = await receiver();
    try {
      // Given an instance whose workers do not run (as if it stopped right after the commit)
      const first = await start({ EVENTS_POLL_MS: '0' });
      const hospital = await buyer(via(first));
      await createWebhook(via(first), hospital.key, { url: hook.url, events: ['need.created'] });
      const needId = await createNeed(via(first), hospital.key);
      const pending = `select (a.tx, a.at, a.id) > (c.tx, c.at, c.event_id) as pending from audit_event a, event_cursor c where c.name = 'dispatch' and a.entity_id = $1`;
      expect((await pg.query(pending, [needId])).rows).toEqual([{ pending: true }]);
      await first.stop();
      expect(hook.received).toEqual([]);

      // When a new instance starts, then the event reaches the receiver
      await start();
      await waitFor('the delivery', async () => (hook.received.length ? true : undefined));
      expect(bodyOf(hook.received[0])).toMatchObject({ type: 'need.created', entityId: needId });
      expect(signatureValid(hook.received[0], SECRET)).toBe(true);
    } finally {
      await hook.close();
    }
  });

  it('a delivery waiting for its retry when the instance stops is completed by the next one', async () => {
    let up = false;
    const hook = await receiver(() => (up ? 200 : 500));
    try {
      const first = await start({ WEBHOOK_RETRY_BASE_MS: '2000' });
      const hospital = await buyer(via(first));
      const webhookId = await createWebhook(via(first), hospital.key, { url: hook.url, events: ['need.created'] });
      await createNeed(via(first), hospital.key);
      await waitFor('the first failed attempt', async () => {
        const [d] = await deliveriesOf(via(first), hospital.key, webhookId);
        return d?.attempts === 1 && d.lastStatusCode === 500 ? true : undefined;
      });
      await first.stop();
      expect(await first.exited).toBe(0);

      up = true;
      const second = await start({ WEBHOOK_RETRY_BASE_MS: '2000' });
      const [d] = await waitFor('the retry to succeed', async () => {
        const log = await deliveriesOf(via(second), hospital.key, webhookId);
        return log[0]?.status === 'SUCCEEDED' ? log : undefined;
      });
      expect(d).toMatchObject({ status: 'SUCCEEDED', attempts: 2, lastStatusCode: 200 });
      expect(hook.received).toHaveLength(2);
      expect(new Set(hook.received.map((r) => bodyOf(r).id)).size).toBe(1);
    } finally {
      await hook.close();
    }
  });

  it('an event whose transaction commits after a later one is neither skipped nor dispatched before its commit', async () => {
    const hook = await receiver();
    const slow = new Client({ connectionString: url });
    await slow.connect();
    try {
      const s = await start();
      const hospital = await buyer(via(s));
      await createWebhook(via(s), hospital.key, { url: hook.url, events: ['need.created'] });
      const insert = `insert into audit_event (id, action, entity_type, entity_id, party_ids, changes)
                      values (gen_random_uuid(), 'need.created', 'Need', gen_random_uuid(), array[$1::uuid], '{}') returning entity_id`;
      const pending = `select a.entity_id, (a.tx, a.at, a.id) > (c.tx, c.at, c.event_id) as pending
                         from audit_event a, event_cursor c where c.name = 'dispatch' and a.entity_id = any($1::uuid[]) order by a.tx`;

      // Given an event written by a transaction still open, and one written and committed after it
      await slow.query('begin');
      const [first] = (await slow.query(insert, [hospital.id])).rows.map((r) => r.entity_id);
      const [second] = (await pg.query(insert, [hospital.id])).rows.map((r) => r.entity_id);

      // Then neither is dispatched while the first transaction is open (the second waits behind it)
      await sleep(500);
      expect((await pg.query(pending, [[second]])).rows).toEqual([{ entity_id: second, pending: true }]);
      expect(hook.received).toEqual([]);

      // When it commits, then both are dispatched: the first one is not left behind the cursor
      await slow.query('commit');
      await waitFor('both deliveries', async () => (hook.received.length === 2 ? true : undefined));
      expect(new Set(hook.received.map((r) => bodyOf(r).entityId))).toEqual(new Set([first, second]));
      expect((await pg.query(pending, [[first, second]])).rows).toEqual([
        { entity_id: first, pending: false },
        { entity_id: second, pending: false },
      ]);
    } finally {
      await slow.end();
      await hook.close();
    }
  });
});
