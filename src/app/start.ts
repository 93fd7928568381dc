// Starts one API instance: database (embedded or DATABASE_URL), migrations, demo data, Redis, HTTP.
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { Config } from '../config';
import { entities, migrate, openOrm } from './orm';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded-postgres';
import { memoryStore, redisStore, storeNamespace, type SharedStore } from '../redis/shared-store';
import { bootstrapOperatorKey, revokeKeysWithSecrets } from '../auth/api-key.service';
import { resolveSecretsKey } from '../webhooks/webhook-secret';
import { DEMO_KEYS } from '../../seeds/demo-keys';
import { countSqlStatement } from '../shared/request-scope';
import { createLogger } from '../shared/logger';
import { startTracing, tracingOn } from '../shared/tracing';
import type { AppDeps } from '../access/context';
import { createApp } from './http';
import { DemoSeeder } from '../../seeds/DemoSeeder';
import { startHoldSweeper } from './hold-sweeper';
import { startEventWorkers } from './event-workers';
import { eventsChannel } from '../events/event-catalog';
import { useNamedStatements } from '../db/prepared';
import { ReplicaSet } from '../db/replicas';

export interface RunningApi {
  url: string;
  port: number;
  deps: AppDeps;
  embedded: EmbeddedDatabase | null;
  /** Stops accepting, finishes in-flight requests, closes pools and the embedded database. */
  stop(): Promise<void>;
}

export async function startApi(
  given: Config,
  options: { logDestination?: DestinationStream } = {},
): Promise<RunningApi> {
  // Webhook secrets are always sealed: with WEBHOOK_SECRETS_KEY (required in production) or a key kept under DATA_DIR.
  const config: Config = {
    ...given,
    WEBHOOK_SECRETS_KEY: resolveSecretsKey(given.WEBHOOK_SECRETS_KEY, given.DATA_DIR),
  };
  const log = createLogger(config.LOG_LEVEL, options.logDestination);
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) await startTracing();
  const embedded = config.DATABASE_URL
    ? null
    : await startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        database: 'exchange',
        log: (l) => log.debug({ postgres: l }),
      });
  const databaseUrl = config.DATABASE_URL ?? embedded!.url;
  let store: SharedStore | undefined;
  let replicas: ReplicaSet | undefined;
  useNamedStatements(config.DB_NAMED_STATEMENTS);
  try {
    const orm = await openOrm({
      databaseUrl,
      poolMax: config.DB_POOL_MAX,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      traceQueries: tracingOn(),
    });
    orm.em.getConnection().getKnex().on('query', countSqlStatement);
    await migrate(orm);
    const em = orm.em.fork();
    if (config.OPERATOR_API_KEY) await bootstrapOperatorKey(em, config.OPERATOR_API_KEY);
    if (config.NODE_ENV === 'production') {
      // A database that once ran with the demo network (as docker-compose used to) keeps its public keys: not in production.
      const revoked = await revokeKeysWithSecrets(
        em,
        DEMO_KEYS.map((k) => k.secret),
        'demo key: its secret is public',
      );
      if (revoked)
        log.warn(
          { revoked },
          "revoked the demo network's API keys (their secrets are public); create keys of your own",
        );
    }
    if (config.DEMO_DATA) {
      const [{ n }] = await em.getConnection().execute<{ n: string }[]>('select count(*) as n from organization');
      if (Number(n) === 0) {
        log.info('loading the demo network into an empty database');
        await orm.getSeeder().seed(DemoSeeder);
      }
    }
    store = config.REDIS_URL
      ? await redisStore(config.REDIS_URL, (err) => log.warn({ err }, 'redis error'))
      : memoryStore();
    if (config.DATABASE_REPLICA_URLS.length) {
      replicas = await ReplicaSet.open(orm, config.DATABASE_REPLICA_URLS, {
        entities,
        traceQueries: tracingOn(),
        poolMax: config.DB_POOL_MAX,
        statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
        maxLagMs: config.REPLICA_MAX_LAG_MS,
        log,
      });
    }
    const deps: AppDeps = { config, orm, store, log, replicas };
    const { httpServer, apollo } = await createApp(deps);
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.PORT, resolve);
    });
    const port = (httpServer.address() as AddressInfo).port;
    const stopSweeper = startHoldSweeper(deps, config.HOLD_SWEEP_INTERVAL_MS);
    const stopEvents = startEventWorkers(deps, eventsChannel(storeNamespace(orm.config.getClientUrl(true))));
    let stopping: Promise<void> | undefined;
    return {
      url: `http://localhost:${port}/graphql`,
      port,
      deps,
      embedded,
      stop: () =>
        (stopping ??= (async () => {
          await apollo.stop(); // drains the HTTP server: in-flight requests complete, subscriptions close
          await stopEvents(); // webhook attempts in flight complete; the rest stays queued in PostgreSQL
          await stopSweeper();
          await store!.close();
          await replicas?.close();
          await orm.close();
          await embedded?.stop();
        })()),
    };
  } catch (e) {
    await store?.close().catch(() => {});
    await replicas?.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw e;
  }
}
