// `npm start` from a checkout in a private directory (a clone in root's home, mode 700) on the
// embedded PostgreSQL. As root, PostgreSQL runs as the `postgres` user, which cannot reach that
// directory: the cluster is placed where it can (EMBEDDED_PG_SHARED_DIR) and the API starts; where
// that is impossible, the start fails with one sentence, not a stack trace. As another user the
// cluster simply lives in the checkout.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gql, OPERATOR_KEY } from './support/api';
import { ensureBuilt, startServerProcess } from './support/server-process';

const asRoot = process.getuid?.() === 0;
const root = path.resolve(__dirname, '..');
let home: string;
let shared: string;

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(path.join(tmpdir(), 'hsx-private-home-'));
  chmodSync(home, 0o700);
  shared = mkdtempSync(path.join(tmpdir(), 'hsx-shared-'));
  chmodSync(shared, 0o755);
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(shared, { recursive: true, force: true });
});

it('starts on the embedded PostgreSQL with its data directory in a private directory, and answers', async () => {
  const dataDir = path.join(home, 'exchange', '.data');
  mkdirSync(dataDir, { recursive: true });
  const server = await startServerProcess('', {
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
    EMBEDDED_PG_SHARED_DIR: shared,
  });
  try {
    const r = await gql(server.url, '{ viewer { role } }', {}, OPERATOR_KEY);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ viewer: { role: 'OPERATOR' } });
  } finally {
    await server.stop();
  }
  if (asRoot) {
    // The postgres user could not reach the checkout: the cluster went to the shared directory.
    const [cluster] = readdirSync(path.join(shared, 'clusters'));
    expect(existsSync(path.join(shared, 'clusters', cluster, 'pg', 'PG_VERSION'))).toBe(true);
    expect(statSync(path.join(shared, 'clusters', cluster, 'pg')).uid).not.toBe(0);
    expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
  } else {
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  }
}, 120_000);

// Only root runs PostgreSQL as another user; as anyone else there is nothing to refuse (CI runs as root).
const asRootIt = asRoot ? it : it.skip;

asRootIt(
  'fails with one sentence, not a stack trace, where the postgres user can reach neither the checkout nor the shared directory',
  async () => {
    const dataDir = path.join(home, 'unreachable', '.data');
    const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: '0',
        DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        REDIS_URL: '',
        DATA_DIR: dataDir,
        // A path under a file: nothing can be created there, not even by root.
        EMBEDDED_PG_SHARED_DIR: '/dev/null/hsx',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Failed to start: The embedded PostgreSQL runs as the postgres user, which cannot reach \S+ \(a private directory\), and its (cluster|binaries) could not be placed in \/dev\/null\/hsx \(.+\): move the checkout to a directory other users can traverse, or set DATABASE_URL\.$/,
    );
  },
  60_000,
);
