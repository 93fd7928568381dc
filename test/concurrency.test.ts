// Two API processes on one database, many parallel requests: PostgreSQL keeps every invariant.
import { createDatabase } from './support/api';
import { concurrencySuite } from './support/concurrency-suite';
import { startServerProcess, type ServerProcess } from './support/server-process';

let servers: ServerProcess[] = [];
let drop: () => Promise<void>;

concurrencySuite(async () => {
  const db = await createDatabase();
  drop = db.drop;
  // Both start at once on the empty database: they take turns to migrate.
  servers = await Promise.all([startServerProcess(db.url), startServerProcess(db.url)]);
  return { urls: servers.map((s) => s.url), primaryUrl: db.url };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await drop?.();
});
