// Revocation across instances: a key revoked through instance A is refused by A at once, and by a
// second instance B on the same database and Redis within one second (the contract, API.md). Two
// server processes, as test/concurrency.test.ts starts them.
import { createDatabase, errorCode, gql, ok } from './support/api';
import { sleep, startServerProcess, type ServerProcess } from './support/server-process';

let servers: ServerProcess[] = [];
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createDatabase();
  drop = db.drop;
  servers = await Promise.all([startServerProcess(db.url), startServerProcess(db.url)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await drop?.();
});

const VIEWER = `{ viewer { role } }`;

it('a key revoked on instance A stops working on A at once and on instance B within one second; another key keeps working on both', async () => {
  const [a, b] = servers.map((s) => s.url);
  const org = ok(
    await gql(a, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }`, {
      i: { name: `Revocation ${Date.now()}`, kind: 'HOSPITAL', stateCode: 'US-OH', ehrPlatformCode: 'EPIC' },
    }),
  ).createOrganization.organization!.id;
  const key = async (role: string, label: string) =>
    ok(
      await gql(a, `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret } }`, {
        i: { organizationId: org, role, label },
      }),
    ).createApiKey as { apiKey: { id: string }; secret: string };
  const admin = await key('ADMIN', 'admin');
  const victim = await key('SALES', 'to revoke');
  const control = await key('SALES', 'kept');

  // Positive control: both keys work on both instances (and each instance now holds them in its key cache).
  for (const url of [a, b])
    for (const k of [victim, control]) expect(ok(await gql(url, VIEWER, {}, k.secret)).viewer.role).toBe('SALES');
  // B's cache entry is as fresh as it can be when the revocation commits.
  ok(await gql(b, VIEWER, {}, victim.secret));

  const r = ok(
    await gql(
      a,
      `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { revokedAt } userErrors { message } } }`,
      { i: { id: victim.apiKey.id } },
      admin.secret,
    ),
  ).revokeApiKey;
  const revokedAt = Date.now();
  expect(r.userErrors).toEqual([]);

  // A: at once.
  expect(errorCode(await gql(a, VIEWER, {}, victim.secret))).toBe('UNAUTHENTICATED');
  expect(ok(await gql(a, VIEWER, {}, control.secret)).viewer.role).toBe('SALES');

  // B: refused within one second of the revocation, and from then on.
  let refusedAfter: number | null = null;
  while (Date.now() - revokedAt < 1500) {
    const sent = Date.now();
    const code = errorCode(await gql(b, VIEWER, {}, victim.secret));
    if (code === 'UNAUTHENTICATED') refusedAfter ??= sent - revokedAt;
    else expect([refusedAfter, code]).toEqual([null, undefined]); // accepted (served from B's cache) only before the first refusal
    await sleep(25);
  }
  expect(refusedAfter).not.toBeNull();
  expect(refusedAfter!).toBeLessThan(1000);
  expect(ok(await gql(b, VIEWER, {}, control.secret)).viewer.role).toBe('SALES');
}, 30_000);
