// Given an API under load, when PostgreSQL restarts, then requests fail with retryable errors, the
// API recovers by itself, and retries with idempotency keys lose or double no reservation.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/db/embedded-postgres';
import { postgresRestartedMidRun } from './support/fault-suites';
import { startPostgresProcess, startServerProcess, type ServerProcess } from './support/server-process';

let db: { url: string; stop(): Promise<void> };
let server: ServerProcess;
const dataDir = mkdtempSync(path.join(tmpdir(), 'hsx-restart-'));
let port: number;
const start = () => startPostgresProcess({ dataDir, database: 'restart', port });

beforeAll(async () => {
  port = await freePort();
  db = await start();
  server = await startServerProcess(db.url);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await db?.stop();
});

describe('PostgreSQL restarted mid-run', () => {
  it('gives retryable errors, recovers by itself, and loses or doubles no reservation', async () => {
    await postgresRestartedMidRun({
      apiUrl: server.url,
      primaryUrl: () => db.url,
      stopDatabase: () => db.stop(),
      startDatabase: async () => void (db = await start()),
    });
  });
});
