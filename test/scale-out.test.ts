// The production shape, for real on loopback (support/scale-cluster.ts): API instances on PgBouncer in
// transaction pooling mode in front of a primary, and a hot standby made by `pg_basebackup -R` as
// their read replica. Lag-tolerant query operations read the replica; a key reads its own writes; a
// replica paused beyond the lag bound or killed costs no wrong answer and no failed request; no
// request that writes ever reads a replica (counted); the two-instance concurrency suite and the
// faults (SIGTERM under load, the primary restarted) pass with PgBouncer and the replica in the path.
import { gql, ok, OPERATOR_KEY, type GqlResult } from './support/api';
import { concurrencySuite } from './support/concurrency-suite';
import { postgresRestartedMidRun, sigtermDuringBurst } from './support/fault-suites';
import { startScaleCluster, type ScaleCluster } from './support/scale-cluster';
import { startServerProcess, waitFor, type ServerProcess } from './support/server-process';

let cluster: ScaleCluster;
let database: string;
let servers: ServerProcess[] = [];
const MAX_LAG_MS = 400;

/** Every mutation answer seen in this file: none may have read a replica. */
const mutationReplicaStatements: number[] = [];
const replicaStatements = (r: GqlResult) => Number(r.headers.get('x-sql-replica-statements'));
const observe = (r: GqlResult, query: string) => {
  if (/^\s*mutation/.test(query)) mutationReplicaStatements.push(replicaStatements(r));
};
const call = async (
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key: string | null = OPERATOR_KEY,
) => {
  const r = await gql(url, query, variables, key);
  observe(r, query);
  return r;
};
const must = async (
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key: string | null = OPERATOR_KEY,
) => ok(await call(url, query, variables, key));

beforeAll(async () => {
  cluster = await startScaleCluster();
  database = await cluster.createDatabase();
  const env = cluster.apiEnv(database, { REPLICA_MAX_LAG_MS: String(MAX_LAG_MS), LOG_LEVEL: 'info' });
  // Both start at once through PgBouncer: they take turns to migrate (a transaction-scoped lock).
  servers = await Promise.all([startServerProcess(env.DATABASE_URL, env), startServerProcess(env.DATABASE_URL, env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await cluster?.stop();
});

let seq = 0;
async function org(url: string, kind: string) {
  const id = (
    await must(
      url,
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }`,
      { i: { name: `Scale ${kind} ${++seq} ${Date.now()}`, kind, stateCode: 'US-OH', ehrPlatformCode: 'EPIC' } },
    )
  ).createOrganization.organization!.id as string;
  const key = async () =>
    (
      await must(url, `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, {
        i: { organizationId: id, role: 'ADMIN', label: 'scale' },
      })
    ).createApiKey.secret as string;
  return { id, key: await key(), otherKey: await key() };
}

const CREATE_OFFERING = `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code } } }`;
const offeringInput = (title: string) => ({
  categoryCode: 'DATA_ANALYTICS',
  title,
  ehrPlatformCodes: ['EPIC'],
  regionCodes: ['US-OH'],
  pricing: { currency: 'USD', unitPrice: '100.00' },
});
const READ_OFFERING = `query($id: ID!) { offering(id: $id) { id title } }`;
const metricsOf = async (s: ServerProcess) => (await fetch(s.url.replace('/graphql', '/metrics'))).text();
const metric = (text: string, name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
/** Waits until lag-tolerant reads on `s` go to the replica again. */
const replicaInUse = (s: ServerProcess) =>
  waitFor(
    'the replica in use',
    async () => (/db_replica_in_use\{[^}]*\} 1/.test(await metricsOf(s)) ? true : undefined),
    30_000,
  );

describe('read replica routing', () => {
  it('lag-tolerant reads go to the replica, and a key reads its own writes even from a replica that is behind', async () => {
    // A third instance that tolerates a long lag: the replica stays in use while its replay is paused.
    const env = cluster.apiEnv(database, { REPLICA_MAX_LAG_MS: '600000' });
    const tolerant = await startServerProcess(env.DATABASE_URL, env);
    try {
      const p = await org(tolerant.url, 'HEALTH_SYSTEM');
      await replicaInUse(tolerant);
      // Positive control: an offering written before the pause is read from the replica.
      const before = (await must(tolerant.url, CREATE_OFFERING, { i: offeringInput('Before the pause') }, p.key))
        .createOffering.offering!.id;
      const seen = await waitFor('the offering on the replica', async () => {
        const r = await call(tolerant.url, READ_OFFERING, { id: before }, p.otherKey);
        return r.data?.offering && replicaStatements(r) > 0 ? r : undefined;
      });
      expect(seen.data!.offering!.title).toBe('Before the pause');

      await cluster.onReplica('select pg_wal_replay_pause()');
      try {
        const id = (
          await must(tolerant.url, CREATE_OFFERING, { i: offeringInput('Written while the replica is behind') }, p.key)
        ).createOffering.offering!.id;
        // The writing key reads it at once, and again and again: the primary serves it.
        for (let i = 0; i < 3; i++) {
          const mine = await call(tolerant.url, READ_OFFERING, { id }, p.key);
          expect(mine.data!.offering).toEqual({ id, title: 'Written while the replica is behind' });
          expect(replicaStatements(mine)).toBe(0);
        }
        // Another key of the same organization reads the (stale) replica: it does not have it yet.
        const other = await call(tolerant.url, READ_OFFERING, { id }, p.otherKey);
        expect(replicaStatements(other)).toBeGreaterThan(0);
        expect(other.data!.offering).toBeNull();
      } finally {
        await cluster.onReplica('select pg_wal_replay_resume()');
      }
    } finally {
      await tolerant.stop();
    }
  });

  it('a replica paused beyond the lag bound is skipped (log, metric), reads stay correct, and it is used again once caught up', async () => {
    const [a, b] = servers;
    const p = await org(a.url, 'HEALTH_SYSTEM');
    await replicaInUse(b);
    await cluster.onReplica('select pg_wal_replay_pause()');
    let id: string;
    try {
      id = (await must(a.url, CREATE_OFFERING, { i: offeringInput('Written while replay is paused') }, p.key))
        .createOffering.offering!.id;
      await waitFor('the replica skipped', async () =>
        /db_replica_in_use\{[^}]*\} 0/.test(await metricsOf(b)) ? true : undefined,
      );
      // Another key, on the other instance: correct answers, from the primary.
      const r = await call(b.url, READ_OFFERING, { id }, p.otherKey);
      expect(r.data!.offering).toEqual({ id, title: 'Written while replay is paused' });
      expect(replicaStatements(r)).toBe(0);
      expect(metric(await metricsOf(b), 'db_replica_skipped_total{replica=')).toBeGreaterThanOrEqual(1);
      expect(b.output()).toMatch(/read replica skipped/);
    } finally {
      await cluster.onReplica('select pg_wal_replay_resume()');
    }
    await replicaInUse(b);
    // Back in use means within the lag bound (1 s), not at once caught up with every write: a read
    // right after may still miss one that is barely a second old, so wait for the replica to serve it.
    const r = await waitFor('a read from the replica that has the offering', async () => {
      const x = await call(b.url, READ_OFFERING, { id }, p.otherKey);
      return replicaStatements(x) > 0 && x.data?.offering ? x : undefined;
    });
    expect(r.data!.offering!.id).toBe(id);
  });

  it('a replica killed mid-load costs no failed request', async () => {
    const p = await org(servers[0].url, 'HEALTH_SYSTEM');
    const id = (await must(servers[0].url, CREATE_OFFERING, { i: offeringInput('Read under load') }, p.key))
      .createOffering.offering!.id;
    await Promise.all(servers.map(replicaInUse));
    // Another key than the writer's: it reads the replica, once the replica has the offering.
    for (const s of servers)
      await waitFor('the offering on the replica', async () =>
        (await call(s.url, READ_OFFERING, { id }, p.otherKey)).data?.offering ? true : undefined,
      );
    const results: GqlResult[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++)
        results.push(
          await call(
            servers[(w + i) % 2].url,
            `query($id: ID!) { offering(id: $id) { id } offerings(first: 5) { totalCount } }`,
            { id },
            p.otherKey,
          ),
        );
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    await waitFor('reads on the replica', async () =>
      results.filter((r) => replicaStatements(r) > 0).length >= 20 ? true : undefined,
    );
    await cluster.killReplica();
    const killedAt = results.length;
    await waitFor('reads after the kill', async () => (results.length >= killedAt + 60 ? true : undefined));
    stop = true;
    await load;
    expect(results.filter((r) => r.status !== 200 || r.errors || r.data?.offering?.id !== id)).toEqual([]);
    expect(results.slice(killedAt + 30).every((r) => replicaStatements(r) === 0)).toBe(true); // all on the primary now
    for (const s of servers)
      expect(await metricsOf(s)).toMatch(/db_replica_skipped_total\{[^}]*reason="unreachable"\} [1-9]/);
    await cluster.startReplica();
    await Promise.all(servers.map(replicaInUse));
  });
});

describe('concurrency, two instances through PgBouncer with a read replica', () => {
  concurrencySuite(
    async () => ({ urls: servers.map((s) => s.url), primaryUrl: cluster.primaryUrl(database) }),
    observe,
  );
});

describe('faults through PgBouncer with a read replica', () => {
  it('SIGTERM during a burst of writes: every accepted request completes, nothing is written partially, a clean exit', async () => {
    const db = await cluster.createDatabase();
    const env = cluster.apiEnv(db);
    await sigtermDuringBurst({ databaseUrl: env.DATABASE_URL, primaryUrl: cluster.primaryUrl(db), env });
  });

  it('the primary restarted behind PgBouncer: retryable errors, recovery by itself, no reservation lost or doubled', async () => {
    const db = await cluster.createDatabase();
    const env = cluster.apiEnv(db);
    const server = await startServerProcess(env.DATABASE_URL, env);
    try {
      await postgresRestartedMidRun({
        apiUrl: server.url,
        primaryUrl: () => cluster.primaryUrl(db),
        stopDatabase: () => cluster.stopPrimary(),
        startDatabase: () => cluster.startPrimary(),
        failuresExpected: false,
      });
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- server output ---\n${server
          .output()
          .split('\n')
          .filter((l) => l.includes(`"level":50`))
          .join('\n')
          .slice(-4000)}`,
      );
    } finally {
      await server.stop();
    }
  });
});

describe('no request that writes reads a replica', () => {
  it('counted on every mutation answer and in each instance’s metrics', async () => {
    expect(mutationReplicaStatements.length).toBeGreaterThan(100);
    expect(mutationReplicaStatements.filter((n) => n !== 0)).toEqual([]);
    for (const s of servers) {
      const text = await metricsOf(s);
      expect(metric(text, 'db_replica_statements_total{operation="mutation"}')).toBe(0);
      expect(metric(text, 'db_replica_statements_total{operation="query"}')).toBeGreaterThan(0); // positive control
    }
  });
});
