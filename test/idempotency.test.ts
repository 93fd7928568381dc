// Every mutation that creates something takes an idempotencyKey (../shared/API.md): a client whose
// answer was lost (OUTCOME_UNKNOWN, a dropped connection) retries with the same key and gets the first
// result, without a second object. A secret is shown once (API.md: API keys are stored hashed): a
// retry of createApiKey or createWebhook returns the object without it.
import { ok, startTestApi, type TestApi } from './support/api';
import { buyer, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    EVENTS_POLL_MS: '0',
    HOLD_SWEEP_INTERVAL_MS: '0',
    WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
  });
});
afterAll(() => t.close());

const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id label revokedAt } secret userErrors { code field } } }`;
const REVOKE_KEY = `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }`;
const CREATE_WEBHOOK = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id url } secret userErrors { code field } } }`;

interface CreatedKey {
  apiKey: { id: string; label: string; revokedAt: string | null } | null;
  secret: string | null;
  userErrors: { code: string; field: string | null }[];
}
const createKey = async (key: string, i: Record<string, unknown>): Promise<CreatedKey> =>
  ok(await t.gql(CREATE_KEY, { i }, key)).createApiKey;
const role = async (secret: string) => (await t.gql(`{ viewer { role } }`, {}, secret)).data?.viewer?.role;
const keysLabelled = async (key: string, label: string) =>
  (
    ok(await t.gql(`{ apiKeys(first: 100) { edges { node { label } } } }`, {}, key)).apiKeys.edges as {
      node: { label: string };
    }[]
  ).filter((e) => e.node.label === label).length;

describe('createApiKey with an idempotencyKey', () => {
  it('a retry returns the same key, without its secret (shown once), and makes no second key; another input is IDEMPOTENCY_CONFLICT', async () => {
    const p = await provider(t);
    const i = { organizationId: p.id, role: 'SALES', label: 'portal', idempotencyKey: 'key-1' };
    const first = await createKey(p.key, i);
    expect(first.userErrors).toEqual([]);
    expect(await role(first.secret!)).toBe('SALES');
    const retry = await createKey(p.key, i);
    expect(retry).toEqual({ ...first, secret: null });
    expect(await keysLabelled(p.key, 'portal')).toBe(1);
    // Positive control: without the key, a second call makes a second key.
    const { idempotencyKey: _, ...plain } = i;
    expect((await createKey(p.key, plain)).apiKey!.id).not.toBe(first.apiKey!.id);
    expect(await keysLabelled(p.key, 'portal')).toBe(2);
    expect((await createKey(p.key, { ...i, role: 'ADMIN' })).userErrors).toEqual([
      { code: 'IDEMPOTENCY_CONFLICT', field: 'input.idempotencyKey' },
    ]);
    // Nothing but the key's id is kept for the retry: no secret, sealed or not.
    const stored = await t.sql<{ result: unknown }>(
      `select result from idempotency_key where operation = 'createApiKey' and key = 'key-1'`,
    );
    expect(stored).toEqual([{ result: { id: first.apiKey!.id } }]);
  });

  it('keys are scoped per organization: another organization using the same idempotency key gets its own key', async () => {
    const a = await provider(t);
    const b = await provider(t);
    const mine = await createKey(a.key, { organizationId: a.id, role: 'SALES', label: 'x', idempotencyKey: 'shared' });
    const theirs = await createKey(b.key, {
      organizationId: b.id,
      role: 'SALES',
      label: 'x',
      idempotencyKey: 'shared',
    });
    expect(theirs.userErrors).toEqual([]);
    expect(theirs.apiKey!.id).not.toBe(mine.apiKey!.id);
    expect(theirs.secret).not.toBe(mine.secret);
  });

  it('a retry after the key was revoked returns it revoked (a client whose answer was lost revokes it and creates another)', async () => {
    const p = await provider(t);
    const i = { organizationId: p.id, role: 'SALES', label: 'revoked', idempotencyKey: 'key-revoked' };
    const first = await createKey(p.key, i);
    expect(ok(await t.gql(REVOKE_KEY, { i: { id: first.apiKey!.id } }, p.key)).revokeApiKey.userErrors).toEqual([]);
    const afterRevoke = await createKey(p.key, i);
    expect(afterRevoke.apiKey).toMatchObject({ id: first.apiKey!.id, revokedAt: expect.any(String) });
    expect(afterRevoke.secret).toBeNull();
  });
});

describe('createWebhook with an idempotencyKey', () => {
  it('a retry returns the same webhook without its secret (it cannot be read back), and makes no second webhook', async () => {
    const b = await buyer(t);
    const i = { url: 'http://127.0.0.1:9/hook', events: ['need.created'], idempotencyKey: 'hook-1' };
    const first = ok(await t.gql(CREATE_WEBHOOK, { i }, b.key)).createWebhook;
    expect(first.userErrors).toEqual([]);
    expect(first.secret).toMatch(/^whsec_/);
    expect(ok(await t.gql(CREATE_WEBHOOK, { i }, b.key)).createWebhook).toEqual({ ...first, secret: null });
    expect(ok(await t.gql(`{ webhooks { totalCount } }`, {}, b.key)).webhooks.totalCount).toBe(1);
    expect(
      ok(await t.gql(CREATE_WEBHOOK, { i: { ...i, events: ['need.*'] } }, b.key)).createWebhook.userErrors,
    ).toEqual([{ code: 'IDEMPOTENCY_CONFLICT', field: 'input.idempotencyKey' }]);
    // A secret of the caller's own is not echoed either.
    const own = { ...i, idempotencyKey: 'hook-own', secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` };
    const withOwn = ok(await t.gql(CREATE_WEBHOOK, { i: own }, b.key)).createWebhook;
    expect(withOwn.secret).toBeNull();
    expect(ok(await t.gql(CREATE_WEBHOOK, { i: own }, b.key)).createWebhook).toEqual(withOwn);
    expect(ok(await t.gql(`{ webhooks { totalCount } }`, {}, b.key)).webhooks.totalCount).toBe(2);
  });
});

describe('pingWebhook with an idempotencyKey', () => {
  it('a retry returns the first ping’s delivery instead of queueing another; a deleted webhook then reads as not found', async () => {
    const b = await buyer(t);
    const hook = ok(
      await t.gql(CREATE_WEBHOOK, { i: { url: 'http://127.0.0.1:9/ping', events: ['need.created'] } }, b.key),
    ).createWebhook.webhook!.id;
    const PING = `mutation($i: PingWebhookInput!) { pingWebhook(input: $i) { delivery { id } userErrors { code } } }`;
    const pings = async () =>
      (
        await t.sql<{ n: number }>(
          `select count(*)::int as n from webhook_delivery where webhook_id = $1 and event = 'webhook.ping'`,
          [hook],
        )
      )[0].n;
    const i = { id: hook, idempotencyKey: 'ping-1' };
    const first = ok(await t.gql(PING, { i }, b.key)).pingWebhook;
    expect(first.userErrors).toEqual([]);
    expect(ok(await t.gql(PING, { i }, b.key)).pingWebhook).toEqual(first);
    expect(await pings()).toBe(1);
    // Positive control: another key pings again.
    ok(await t.gql(PING, { i: { ...i, idempotencyKey: 'ping-2' } }, b.key));
    expect(await pings()).toBe(2);
    ok(
      await t.gql(
        `mutation($i: DeleteWebhookInput!) { deleteWebhook(input: $i) { userErrors { code } } }`,
        { i: { id: hook } },
        b.key,
      ),
    );
    const after = await t.gql(PING, { i }, b.key);
    expect(after.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
