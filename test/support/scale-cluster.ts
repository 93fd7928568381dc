// The production shape on loopback, for the scale-out tests: a PostgreSQL primary, a hot standby made
// from it by `pg_basebackup -R` (streaming replication), and PgBouncer in transaction pooling mode in
// front of the primary. A standby must run the primary's major version, so both run from the same
// binaries: Debian's postgresql packages (pg_basebackup is not in the embedded package), found under
// /usr/lib/postgresql/<version>/bin or PG_BINDIR. scripts/ensure-test-tools.js installs them (and
// pgbouncer) when missing. As root, every server runs as the `postgres` system user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/db/embedded-postgres';

/** (Its own, so that the benchmark can use this module without the test harness.) */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ScaleCluster {
  /** The primary, directly (for tests' own SQL and for creating databases). */
  primaryUrl(database: string): string;
  /** The standby, directly (what DATABASE_REPLICA_URLS lists). */
  replicaUrl(database: string): string;
  /** PgBouncer in front of the primary (what DATABASE_URL points at). */
  bouncerUrl(database: string): string;
  /** Process ids (CPU accounting in the benchmark): the primary's and the standby's postmasters, PgBouncer. */
  pids(): { primary: number; replica: number; bouncer: number };
  /** Whether this PgBouncer carries named prepared statements (1.21+), as apiEnv sets DB_NAMED_STATEMENTS. */
  namedStatements: boolean;
  /** Environment for an API instance on `database` with the replica and PgBouncer in the path. */
  apiEnv(database: string, extra?: Record<string, string>): Record<string, string>;
  createDatabase(): Promise<string>;
  /** Runs SQL on the standby's `postgres` database. */
  onReplica(sql: string): Promise<unknown[]>;
  /** Stops the standby at once (SIGQUIT: an immediate shutdown, as a crash), and starts it again. */
  killReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Stops the primary (a fast shutdown) and starts it again on the same address: PgBouncer stays up. */
  stopPrimary(): Promise<void>;
  startPrimary(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's server binaries (the newest installed version), or PG_BINDIR. */
export function pgBinDir(): string | null {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin/pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

export const pgbouncerBinary = (): string | null =>
  ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find((p) => existsSync(p)) ?? null;

/** PgBouncer 1.21 and later carry protocol-level named prepared statements in transaction mode (max_prepared_statements). */
export function pgbouncerCarriesNamedStatements(binary: string): boolean {
  const m = /PgBouncer (\d+)\.(\d+)/.exec(execFileSync(binary, ['--version']).toString());
  return !!m && (Number(m[1]) > 1 || Number(m[2]) >= 21);
}

const asRoot = process.getuid?.() === 0;
const postgresUser = () => {
  if (!asRoot) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
};

export async function startScaleCluster(o: { log?: (line: string) => void } = {}): Promise<ScaleCluster> {
  const bin = pgBinDir();
  const bouncer = pgbouncerBinary();
  if (!bin || !bouncer)
    throw new Error(
      'The scale-out tests need Debian postgresql (pg_basebackup) and pgbouncer: run `node scripts/ensure-test-tools.js` as root or install them.',
    );
  const user = postgresUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'hsx-scale-'));
  chmodSync(dir, 0o755);
  const owned = (p: string) => {
    if (user.uid !== undefined) chownSync(p, user.uid, user.gid!);
    return p;
  };
  owned(dir);
  const writeOwned = (p: string, text: string) => {
    writeFileSync(p, text, { mode: 0o600 });
    return owned(p);
  };
  const password = randomBytes(18).toString('base64url');
  const pwfile = writeOwned(path.join(dir, 'pwfile'), password + '\n');
  const children: ChildProcess[] = [];
  const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
    execFileSync(path.join(bin, cmd), args, {
      ...user,
      env: { PATH: process.env.PATH, ...env },
      stdio: 'pipe',
      cwd: dir,
    });

  const [primaryPort, replicaPort, bouncerPort] = [await freePort(), await freePort(), await freePort()];
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  run('initdb', [
    '-D',
    primaryDir,
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);

  const serverFlags = (port: number, dataDir: string) => [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dataDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
    '-c',
    'wal_level=replica',
    '-c',
    'max_wal_senders=10',
    '-c',
    'wal_keep_size=256MB',
    '-c',
    'hot_standby=on',
    '-c',
    'hot_standby_feedback=on',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ];
  const url = (port: number, database: string) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  const ready = async (port: number, what: string) =>
    waitFor(
      what,
      async () => {
        const c = new Client({ connectionString: url(port, 'postgres') });
        await c.connect();
        await c.end();
        return true;
      },
      30_000,
    );
  const spawnServer = (name: string, port: number, dataDir: string) => {
    const child = spawn(path.join(bin, 'postgres'), serverFlags(port, dataDir), {
      ...user,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d).slice(-4000);
      o.log?.(`${name}: ${d}`);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
    return { child, output: () => output };
  };

  let primary = spawnServer('primary', primaryPort, primaryDir);
  await ready(primaryPort, 'the primary');
  run(
    'pg_basebackup',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ],
    { PGPASSWORD: password },
  );
  let replica = spawnServer('replica', replicaPort, replicaDir);
  await ready(replicaPort, 'the standby');

  // PgBouncer: transaction pooling; any database name goes to the primary's database of that name.
  const namedStatements = pgbouncerCarriesNamedStatements(bouncer);
  writeOwned(path.join(dir, 'userlist.txt'), `"postgres" "${password}"\n`);
  writeOwned(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${primaryPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${bouncerPort}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 40',
      // The API sets its statement, lock and idle timeouts as startup options; the pooler cannot pass them on.
      'ignore_startup_parameters = options',
      ...(namedStatements ? ['max_prepared_statements = 500'] : []),
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
    ].join('\n') + '\n',
  );
  const pgbouncer = spawn(bouncer, [path.join(dir, 'pgbouncer.ini')], { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
  pgbouncer.stderr!.on('data', (d) => o.log?.(`pgbouncer: ${d}`));
  pgbouncer.stdout!.on('data', (d) => o.log?.(`pgbouncer: ${d}`));
  children.push(pgbouncer);
  await ready(bouncerPort, 'pgbouncer');

  const sqlOn = async (port: number, sql: string) => {
    const c = new Client({ connectionString: url(port, 'postgres') });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  const stopChild = async (child: ChildProcess, signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
  };

  return {
    pids: () => ({ primary: primary.child.pid!, replica: replica.child.pid!, bouncer: pgbouncer.pid! }),
    namedStatements,
    primaryUrl: (db) => url(primaryPort, db),
    replicaUrl: (db) => url(replicaPort, db),
    bouncerUrl: (db) => url(bouncerPort, db),
    apiEnv: (db, extra = {}) => ({
      DATABASE_URL: url(bouncerPort, db),
      DATABASE_REPLICA_URLS: url(replicaPort, db),
      DB_NAMED_STATEMENTS: String(namedStatements),
      ...extra,
    }),
    async createDatabase() {
      const name = `s_${process.env.JEST_WORKER_ID ?? 0}_${randomBytes(6).toString('hex')}`;
      await sqlOn(primaryPort, `create database ${name}`);
      // The standby has it once it has replayed the creation.
      await waitFor('the database on the standby', async () =>
        (await sqlOn(replicaPort, `select 1 from pg_database where datname = '${name}'`)).length ? true : undefined,
      );
      return name;
    },
    onReplica: (sql) => sqlOn(replicaPort, sql),
    killReplica: () => stopChild(replica.child, 'SIGQUIT'),
    async startReplica() {
      rmSync(path.join(replicaDir, 'postmaster.pid'), { force: true });
      replica = spawnServer('replica', replicaPort, replicaDir);
      await ready(replicaPort, 'the standby, restarted');
    },
    stopPrimary: () => stopChild(primary.child, 'SIGINT'),
    async startPrimary() {
      primary = spawnServer('primary', primaryPort, primaryDir);
      await ready(primaryPort, 'the primary, restarted');
    },
    async stop() {
      await stopChild(pgbouncer, 'SIGINT');
      await stopChild(replica.child, 'SIGINT');
      for (const c of children) await stopChild(c, 'SIGINT'); // the primary, and any earlier instance
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
