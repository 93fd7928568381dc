// The sweeper: never overwrites a user's concurrent change, runs with or without Redis (its lock key
// namespaced by the database), and deadlocks are retried inside the server.
import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { freePort } from '../src/db/embedded-postgres';
import { waitFor } from './support/server-process';
import { createClient } from 'redis';
import { ok, startTestApi, type TestApi } from './support/api';
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
import { sweepExpiredHolds } from '../src/app/hold-sweeper';
import { toPayload } from '../src/shared/payload';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ HOLD_SWEEP_INTERVAL_MS: '0' });
});
afterAll(() => t.close());

/** An ACTIVE engagement (no PHI, so no BAA) whose months have all passed. */
async function endedEngagement(api: TestApi = t): Promise<string> {
  const p = await provider(api);
  const offeringId = await createOffering(api, p.key, { categoryCode: 'DATA_ANALYTICS' });
  await setCapacity(api, p.key, offeringId, [nextMonth(1)], 10_000);
  const b = await buyer(api);
  const needId = await createNeed(api, b.key, { categoryCode: 'DATA_ANALYTICS', monthlyVolume: 10, durationMonths: 1 });
  const quoteId = await issueQuote(api, p.key, { needId, offeringId });
  const r = ok(await api.gql(ACCEPT, { i: { quoteId } }, b.key)).acceptQuote;
  expect(r.engagement!.status).toBe('ACTIVE');
  await api.sql(`update engagement set start_month = $2::date, end_month = $2::date where id = $1`, [
    r.engagement!.id,
    `${nextMonth(-1)}-01`,
  ]);
  return r.engagement!.id;
}
const statusOf = async (id: string, api: TestApi = t) =>
  (await api.sql(`select status from engagement where id = $1`, [id]))[0].status;

it('completeEndedEngagements does not overwrite a termination committed while it runs (positive control: it completes the others)', async () => {
  const racing = await endedEngagement();
  const other = await endedEngagement();
  const user = new Client({ connectionString: t.databaseUrl });
  await user.connect();
  try {
    await user.query('begin');
    await user.query(`update engagement set status = 'TERMINATED', terminated_at = now() where id = $1`, [racing]);
    const sweep = sweepExpiredHolds(t.api.deps);
    await new Promise((r) => setTimeout(r, 300));
    await user.query('commit');
    await sweep;
  } finally {
    await user.end();
  }
  expect(await statusOf(racing)).toBe('TERMINATED');
  expect(await statusOf(other)).toBe('COMPLETED');
  // A completed engagement's need closes, with its event (the terminated one's stays as it was).
  const need = async (engagementId: string) =>
    (
      await t.sql<{ status: string; events: number }>(
        `select n.status, (select count(*)::int from audit_event a where a.entity_id = n.id and a.action = 'need.closed') as events
           from engagement e join need n on n.id = e.need_id where e.id = $1`,
        [engagementId],
      )
    )[0];
  expect(await need(other)).toEqual({ status: 'CLOSED', events: 1 });
  expect(await need(racing)).toEqual({ status: 'AWARDED', events: 0 });
});

it("the sweeper's Redis lock is namespaced: another exchange's (or the old global) lock does not stop it", async () => {
  const redis = createClient({ url: process.env.TEST_REDIS_URL });
  await redis.connect();
  try {
    await redis.set('hsx:lock:hold-sweeper', 'someone else', { PX: 60_000 });
    const id = await endedEngagement();
    await sweepExpiredHolds(t.api.deps);
    expect(await statusOf(id)).toBe('COMPLETED');
  } finally {
    await redis.del('hsx:lock:hold-sweeper');
    await redis.quit();
  }
});

it('the sweeper runs while Redis is unreachable (PostgreSQL advisory lock)', async () => {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitFor('redis', async () =>
    (await fetch(`http://127.0.0.1:${port}`).catch((e: { cause?: { code?: string } }) => e.cause?.code)) ===
    'ECONNREFUSED'
      ? undefined
      : true,
  );
  const down = await startTestApi({ HOLD_SWEEP_INTERVAL_MS: '0', REDIS_URL: `redis://127.0.0.1:${port}` });
  try {
    const id = await endedEngagement(down);
    redis.kill('SIGKILL');
    await waitFor('the API to notice', async () => (down.api.deps.store.client?.isReady ? undefined : true));
    await sweepExpiredHolds(down.api.deps);
    expect(await statusOf(id, down)).toBe('COMPLETED');
  } finally {
    redis.kill('SIGKILL');
    await down.close();
  }
});

it('a deadlock inside a mutation is retried, not returned (positive control: the other party of the deadlock fails)', async () => {
  const [a, b] = [await endedEngagement(), await endedEngagement()];
  const other = new Client({ connectionString: t.databaseUrl });
  await other.connect();
  let attempts = 0;
  let otherFailed: string | undefined;
  try {
    await other.query(`set deadlock_timeout = '5s'`); // the mutation's session detects the deadlock first, and is the one aborted
    await other.query('begin');
    await other.query(`select 1 from engagement where id = $1 for update`, [b]);
    const result = toPayload(() =>
      t.api.deps.orm.em.fork().transactional(async (em) => {
        attempts++;
        await em.execute(`select 1 from engagement where id = '${a}' for update`);
        await new Promise((r) => setTimeout(r, 200));
        await em.execute(`select 1 from engagement where id = '${b}' for update`);
        return 'done';
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const blocked = other
      .query(`select 1 from engagement where id = $1 for update`, [a])
      .catch((e: { code?: string }) => (otherFailed = e.code));
    await new Promise((r) => setTimeout(r, 4000)); // the mutation's deadlock check (1 s) aborts it; its retry waits for `other`
    await other.query('rollback').catch(() => {});
    await blocked;
    expect(await result).toEqual({ object: 'done', userErrors: [] });
  } finally {
    await other.end();
  }
  expect(attempts).toBeGreaterThanOrEqual(2);
  expect(otherFailed).toBeUndefined();
});
