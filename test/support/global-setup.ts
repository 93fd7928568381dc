// Starts the real services the suite runs against: an embedded PostgreSQL and a redis-server,
// unless TEST_DATABASE_URL / TEST_REDIS_URL point at servers to use instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedPostgresError, freePort, startEmbeddedPostgres } from '../../src/db/embedded-postgres';

declare global {
  // eslint-disable-next-line no-var
  var __services: { stopPostgres?: () => Promise<void>; redis?: ChildProcess } | undefined;
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.once('error', reject);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

export default async function globalSetup() {
  globalThis.__services = {};
  if (!process.env.TEST_DATABASE_URL) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hsx-test-'));
    const db = await startEmbeddedPostgres({ dataDir, database: 'postgres', ephemeral: true }).catch((e: Error) => {
      if (!(e instanceof EmbeddedPostgresError)) throw e;
      console.error(`\n${e.message}\n`); // one sentence, no stack trace
      process.exit(1);
    });
    process.env.TEST_DATABASE_URL = db.url;
    globalThis.__services.stopPostgres = db.stop;
  }
  if (!process.env.TEST_REDIS_URL) {
    const redis = await startRedis();
    process.env.TEST_REDIS_URL = redis.url;
    globalThis.__services.redis = redis.child;
  }
}
