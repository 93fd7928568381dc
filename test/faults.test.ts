// Given a running API, when it is told to stop under load or loses Redis, then accepted requests
// complete, nothing is half-written, and it keeps serving (degraded) without Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../src/db/embedded-postgres';
import { createDatabase, errorCode, ok, startTestApi, type TestApi } from './support/api';
import { createKey, createOrg } from './support/fixtures';
import { waitFor } from './support/server-process';
import { CREATE_ORG, expectNoPartialWrites, orgInput, sigtermDuringBurst } from './support/fault-suites';

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000).unref();
  });
}

describe('SIGTERM during a burst of writes', () => {
  it('completes every accepted request, writes nothing partially, and exits cleanly', async () => {
    const db = await createDatabase();
    try {
      await sigtermDuringBurst({ databaseUrl: db.url, primaryUrl: db.url });
    } finally {
      await db.drop();
    }
  });
});

describe('Redis killed mid-run', () => {
  let redis: ChildProcess;
  let redisPort: number;
  let t: TestApi;
  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    t = await startTestApi({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, RATE_LIMIT_PER_MINUTE: '40' });
  });
  afterAll(async () => {
    await t.close();
    redis.kill('SIGKILL');
  });

  const readiness = async () => {
    const r = await fetch(t.url.replace('/graphql', '/readyz'));
    return {
      status: r.status,
      body: (await r.json()) as { status: string; database: boolean; redis: boolean | string; degraded: boolean },
    };
  };

  it('keeps serving reads and writes, reports degraded readiness, rate-limits in process, and recovers', async () => {
    const org = await createOrg(t);
    expect((await readiness()).body).toMatchObject({ status: 'ready', redis: true, degraded: false });

    redis.kill('SIGKILL');
    await waitFor('the API to notice', async () => ((await readiness()).body.redis === false ? true : undefined));
    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', database: true, redis: false, degraded: true });

    // Reads and writes keep succeeding, with the operator key's rate limit now counted in process.
    for (let i = 0; i < 15; i++) {
      const w = await t.gql(CREATE_ORG, { i: orgInput(`no-redis ${i}`) });
      expect(w.status).toBe(200);
      expect(ok(w).createOrganization.userErrors).toEqual([]);
      ok(await t.gql('{ organizations(first: 5) { totalCount edges { node { id name } } } }'));
    }
    // The insurance limiter still enforces the per-key limit (40 points a minute here).
    const key = await createKey(t, org, 'SALES');
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++) statuses.push((await t.gql('{ viewer { role } }', {}, key)).status);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses[40]).toBe(429);
    expect(errorCode(await t.gql('{ viewer { role } }', {}, key))).toBe('RATE_LIMITED');

    await expectNoPartialWrites((q) => t.sql(q));

    // Redis comes back on the same address: the API reconnects by itself.
    redis = await startRedis(redisPort);
    await waitFor('Redis to be reported back', async () =>
      (await readiness()).body.redis === true ? true : undefined,
    );
    expect((await readiness()).body).toMatchObject({ status: 'ready', redis: true, degraded: false });
    ok(await t.gql('{ viewer { role } }'));
  });
});
