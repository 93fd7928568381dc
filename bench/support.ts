// Shared pieces of the benchmarks: a dedicated database with the generated network, the API started
// in production mode as its own process, a GraphQL client, percentiles and autocannon rounds.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { migrate, openOrm } from '../src/app/orm';
import { seedScaleNetwork } from '../seeds/scale-network';
import { hashSecret } from '../src/auth/api-key.service';

export const root = path.resolve(
  __dirname,
  '..',
  ...(path.basename(path.resolve(__dirname, '..')) === 'dist' ? ['..'] : []),
);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Stack {
  apiUrl: string;
  databaseUrl: string;
  operatorKey: string;
  sql: Client;
  /** An ADMIN key of a generated provider, and of a generated buyer. */
  providerKey: string;
  providerId: string;
  buyerKey: string;
  buyerId: string;
  /** Process ids for CPU accounting: the API process and the PostgreSQL postmaster. */
  apiPid: number;
  postmasterPid: number | null;
  /** Replaces the API process by one with `env` added to its environment (the scale section's variants). */
  restartApi(env: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

// Plain node:http with keep-alive: several times less client CPU per request than fetch, which
// matters when the client shares the machine's two cores with the API and PostgreSQL.
// Targets are parsed once (http.request parses a URL string on every call).
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const targets = new Map<string, { hostname: string; port: string; path: string }>();
const targetOf = (url: string) => {
  let target = targets.get(url);
  if (!target) {
    const u = new URL(url);
    targets.set(url, (target = { hostname: u.hostname, port: u.port, path: u.pathname + u.search }));
  }
  return target;
};

export async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const payload = JSON.stringify({ query, variables });
  const { status, headers, text } = await new Promise<{
    status: number;
    headers: http.IncomingHttpHeaders;
    text: string;
  }>((resolve, reject) => {
    const req = http.request(
      {
        ...targetOf(url),
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${key}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  const body = JSON.parse(text) as { data?: any; errors?: { message: string }[] };
  return { status, sql: Number(headers['x-sql-statements'] ?? NaN), ...body };
}

export async function must(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await gql(url, key, query, variables);
  if (r.errors?.length || !r.data) throw new Error(JSON.stringify(r.errors ?? r).slice(0, 500));
  const payload = Object.values(r.data)[0] as { userErrors?: unknown[] } | null;
  if (payload?.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
  return r.data;
}

/** Inserts an API key with a known secret straight into the database (benchmark set-up only). */
export async function benchKey(sql: Client, organizationId: string): Promise<string> {
  const secret = `hsx_bench_${randomBytes(16).toString('hex')}`;
  await sql.query(
    `insert into api_key (id, organization_id, role, label, secret_hash, secret_prefix) values (gen_random_uuid(), $1, 'ADMIN', 'bench', $2, $3)`,
    [organizationId, hashSecret(secret), secret.slice(0, 8)],
  );
  return secret;
}

/**
 * Dedicated database (BENCH_DATABASE_URL, `o.databaseUrl` with its postmaster's pid, or a throwaway
 * embedded cluster) with `providers` generated providers.
 */
export async function startStack(
  providers: number,
  log: (s: string) => void,
  o: { databaseUrl?: string; postmasterPid?: number } = {},
): Promise<Stack> {
  const given = o.databaseUrl ?? process.env.BENCH_DATABASE_URL;
  const embedded = given
    ? null
    : await startEmbeddedPostgres({
        dataDir: mkdtempSync(path.join(tmpdir(), 'hsx-bench-')),
        database: 'bench',
        ephemeral: true,
      });
  const databaseUrl = given ?? embedded!.url;
  const orm = await openOrm({ databaseUrl, statementTimeoutMs: 600_000 });
  await migrate(orm);
  const t0 = Date.now();
  const totals = await seedScaleNetwork(orm.em.fork(), { providers });
  await orm.em.fork().getConnection().execute('analyze');
  await orm.close();
  log(`generated network: ${JSON.stringify(totals)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  const {
    rows: [p],
  } = await sql.query(`select id from organization where kind = 'HEALTH_SYSTEM' order by name limit 1`);
  const {
    rows: [b],
  } = await sql.query(`select id from organization where kind in ('HOSPITAL', 'PRACTICE') order by name limit 1`);
  const operatorKey = `bench-operator-${randomBytes(16).toString('hex')}`;
  let api = await spawnApi(databaseUrl, operatorKey, {});
  const {
    rows: [backend],
  } = await sql.query('select pg_backend_pid() as pid');
  const stack: Stack = {
    apiUrl: api.url,
    databaseUrl,
    operatorKey,
    sql,
    apiPid: api.pid,
    postmasterPid: o.postmasterPid ?? (embedded ? parentPid(backend.pid) : null),
    providerId: p.id,
    providerKey: await benchKey(sql, p.id),
    buyerId: b.id,
    buyerKey: await benchKey(sql, b.id),
    async restartApi(env) {
      await api.stop();
      api = await spawnApi(databaseUrl, operatorKey, env);
      stack.apiUrl = api.url;
      stack.apiPid = api.pid;
    },
    async stop() {
      await api.stop();
      await sql.end();
      await embedded?.stop();
    },
  };
  return stack;
}

/** Production requires these: the bench's /metrics token and webhook secrets key. */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';
const BENCH_WEBHOOK_SECRETS_KEY = 'bench-webhook-secrets-key-0123456789abcdef';

/** The API in production mode as its own process, on `databaseUrl` (`env` added), once ready. */
async function spawnApi(databaseUrl: string, operatorKey: string, env: Record<string, string>) {
  const port = await freePort();
  // The flags of `npm start` (a 64 MB young generation keeps the many short-lived objects of
  // concurrent requests out of the old generation: ~15-20% less CPU per nested read), then
  // BENCH_NODE_ARGS: extra Node flags for the API process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = ['--max-semi-space-size=64', ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  // BENCH_API_MAIN: another build's dist/src/main.js, to compare two builds in alternating runs.
  const server: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, process.env.BENCH_API_MAIN ?? path.join(root, 'dist/src/main.js')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        OPERATOR_API_KEY: operatorKey,
        DEMO_DATA: 'false',
        WEBHOOK_SECRETS_KEY: BENCH_WEBHOOK_SECRETS_KEY,
        METRICS_TOKEN: BENCH_METRICS_TOKEN,
        LOG_LEVEL: 'warn',
        SQL_COUNT_HEADER: 'true',
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_IP_PER_MINUTE: '0',
        DB_POOL_MAX: process.env.BENCH_POOL ?? '20',
        ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  for (
    let i = 0;
    !(await fetch(url.replace('/graphql', '/readyz')).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (server.exitCode !== null || i > 300) throw new Error('the API did not start');
    await sleep(200);
  }
  return {
    url,
    pid: server.pid!,
    async stop() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
    },
  };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** [pid, ppid, utime + stime, cutime + cstime, stime] in clock ticks, from /proc/<pid>/stat. */
function procStat(pid: number): [number, number, number, number, number] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return [pid, Number(f[1]), Number(f[11]) + Number(f[12]), Number(f[13]) + Number(f[14]), Number(f[12])];
  } catch {
    return null;
  }
}

const parentPid = (pid: number) => procStat(pid)?.[1] ?? null;

/**
 * CPU milliseconds used so far by the API process, by the PostgreSQL cluster (the postmaster, its
 * live backends and the backends that already exited) and by this benchmark process.
 */
export function cpuMs(stack: Pick<Stack, 'apiPid' | 'postmasterPid'>): {
  node: number;
  nodeSystem: number;
  postgres: number | null;
  bench: number;
} {
  const toMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  const api = procStat(stack.apiPid);
  let postgres: number | null = null;
  if (stack.postmasterPid) {
    const master = procStat(stack.postmasterPid);
    let ticks = master ? master[2] + master[3] : 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const st = procStat(Number(entry));
      if (st && st[1] === stack.postmasterPid) ticks += st[2];
    }
    postgres = toMs(ticks);
  }
  const own = process.cpuUsage();
  return {
    node: api ? toMs(api[2]) : NaN,
    nodeSystem: api ? toMs(api[4]) : NaN,
    postgres,
    bench: (own.user + own.system) / 1000,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (x: number, places = 1) => Math.round(x * 10 ** places) / 10 ** places;

export interface Timing {
  count: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Runs `task(i)` `count` times with `concurrency` workers; latency in ms per task. */
export async function timed(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<Timing> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const s = performance.now();
        await task(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count,
    perSecond: round(count / seconds),
    p50: round(percentile(latencies, 50), 2),
    p95: round(percentile(latencies, 95), 2),
    p99: round(percentile(latencies, 99), 2),
  };
}

/** One autocannon round against a fixed POST body. */
export async function cannon(url: string, body: string, key: string, seconds: number, connections: number) {
  const r = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  return { rps: round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}
