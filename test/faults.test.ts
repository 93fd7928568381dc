// Given a running API, when it is told to stop under load or loses Redis, then accepted requests
// complete, nothing is half-written, and it keeps serving (degraded) without Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freePort } from '../src/db/embedded-postgres';
import { createDatabase, errorCode, gql, ok, OPERATOR_KEY, startTestApi, type GqlResult, type TestApi } from './support/api';
import { createKey, createOrg } from './support/fixtures';
import { ensureBuilt, sleep, waitFor } from './support/server-process';

const root = path.join(__dirname, '..');

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
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

const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`;
const orgInput = (tag: string) => ({ name: `Burst ${tag} ${randomBytes(4).toString('hex')}`, kind: 'HOSPITAL', stateCode: 'US-OH', ehrPlatformCode: 'EPIC', beds: 50 });

/** No organization without its audit event, and no audit event without its organization. */
async function expectNoPartialWrites(sql: (q: string) => Promise<{ n: number }[]>) {
  const [orgs] = await sql('select count(*)::int as n from organization');
  const [events] = await sql(`select count(*)::int as n from audit_event where action = 'organization.created'`);
  const [orphans] = await sql(`select count(*)::int as n from organization o where not exists (select 1 from audit_event a where a.entity_id = o.id and a.action = 'organization.created')`);
  expect(events.n).toBe(orgs.n);
  expect(orphans.n).toBe(0);
  return orgs.n;
}

describe('SIGTERM during a burst of writes', () => {
  it('completes every accepted request, writes nothing partially, and exits cleanly', async () => {
    ensureBuilt();
    const db = await createDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const server = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
      cwd: root,
      env: { PATH: process.env.PATH, DATABASE_URL: db.url, PORT: String(port), NODE_ENV: 'test', DEMO_DATA: 'false', LOG_LEVEL: 'warn', OPERATOR_API_KEY: OPERATOR_KEY, REDIS_URL: process.env.TEST_REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    const pg = new Client({ connectionString: db.url });
    try {
      await waitFor('the API', async () => ((await fetch(url.replace('/graphql', '/readyz'))).ok ? true : undefined));
      await pg.connect();

      type Outcome = { sentAt: number; doneAt: number; result?: GqlResult; error?: string };
      const outcomes: Promise<Outcome>[] = [];
      const fire = (i: number) => {
        const sentAt = Date.now();
        return gql(url, CREATE_ORG, { i: orgInput(String(i)) }).then(
          (result) => ({ sentAt, doneAt: Date.now(), result }),
          (e: Error) => ({ sentAt, doneAt: Date.now(), error: String((e.cause as Error)?.message ?? e.message) }),
        );
      };
      // 40 at once, then a steady stream while the signal arrives.
      for (let i = 0; i < 40; i++) outcomes.push(fire(i));
      let stopAt = 0;
      for (let i = 40; i < 120; i++) {
        if (i === 50) {
          stopAt = Date.now();
          server.kill('SIGTERM');
        }
        outcomes.push(fire(i));
        await sleep(5);
      }
      const all = await Promise.all(outcomes);
      expect(await exited).toBe(0);

      // Requests that reached the server after the drain began are turned away (503, retry) without running.
      const turnedAway = all.filter((o) => o.result?.status === 503);
      for (const o of turnedAway) expect(o.result!.headers.get('retry-after')).toBe('1');
      const answered = all.filter((o) => o.result && o.result.status !== 503);
      // Every accepted request succeeded: none was cut short or failed by the shutdown.
      for (const o of answered) {
        expect(o.result!.status).toBe(200);
        expect(o.result!.errors).toBeUndefined();
        expect(o.result!.data.createOrganization.organization.id).toBeTruthy();
      }
      // Requests in flight when the signal came were finished, not dropped.
      expect(answered.filter((o) => o.sentAt < stopAt && o.doneAt >= stopAt).length).toBeGreaterThan(0);
      // The rest were refused at the door (connection refused or closed), never half-done.
      for (const o of all.filter((x) => !x.result)) expect(o.error).toMatch(/ECONNREFUSED|ECONNRESET|closed|socket|terminated/i);

      const count = await expectNoPartialWrites((q) => pg.query(q).then((r) => r.rows));
      expect(count).toBe(answered.length);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- server output ---\n${output.slice(-2000)}`);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
      await pg.end().catch(() => {});
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
    return { status: r.status, body: (await r.json()) as { status: string; database: boolean; redis: boolean | string; degraded: boolean } };
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
    await waitFor('Redis to be reported back', async () => ((await readiness()).body.redis === true ? true : undefined));
    expect((await readiness()).body).toMatchObject({ status: 'ready', redis: true, degraded: false });
    ok(await t.gql('{ viewer { role } }'));
  });
});
