// Runs the compiled API (`node dist/src/main.js`) as a separate process, the way it runs in
// production: used by tests that need several instances on one database, or signals.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/db/embedded-postgres';
import { OPERATOR_KEY } from './api';

const root = path.join(__dirname, '../..');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A timeout for races: it does not keep the process (or jest) alive once the race is decided. */
const deadline = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

const newest = (dir: string, ext: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = path.join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p, ext) : p.endsWith(ext) ? statSync(p).mtimeMs : 0);
  }, 0);

/** `npm test` builds first (pretest); a direct `npx jest` run builds here when the sources are newer. */
export function ensureBuilt() {
  let built = 0;
  try {
    built = newest(path.join(root, 'dist/src'), '.js');
  } catch {}
  if (built < newest(path.join(root, 'src'), '.ts'))
    spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts one API process on `databaseUrl` and waits until it is ready. */
export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string | undefined> = {},
): Promise<ServerProcess> {
  ensureBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NODE_ENV: 'test',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      OPERATOR_API_KEY: OPERATOR_KEY,
      REDIS_URL: process.env.TEST_REDIS_URL,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor('the API', async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${output.slice(-500)}`);
      return (await fetch(url.replace('/graphql', '/readyz'))).ok ? true : undefined;
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${output.slice(-1000)}`);
  }
  return {
    url,
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, deadline(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * A PostgreSQL cluster of its own, run by a child process (embedded-postgres is ESM-only and cannot
 * be imported inside jest's module sandbox). Stopping and starting it again on the same directory
 * and port is a database restart.
 */
export async function startPostgresProcess(o: {
  dataDir: string;
  port: number;
  database: string;
}): Promise<{ url: string; stop(): Promise<void> }> {
  ensureBuilt();
  const code = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(path.join(root, 'dist/src/db/embedded-postgres.js'))});
    startEmbeddedPostgres(${JSON.stringify(o)}).then((db) => {
      console.log('URL ' + db.url);
      const stop = () => db.stop().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    }, (e) => { console.error(e); process.exit(1); });
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      const m = /URL (\S+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`postgres did not start: ${output}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, deadline(15_000)]);
    },
  };
}
