// MikroORM configuration and the migrations run at every start (the entities and the reference-data
// sync are the wiring layer's: app/orm.ts).
import { Client, types } from 'pg';
import {
  DefaultLogger,
  MikroORM,
  defineConfig,
  type AnyEntity,
  type EntityClass,
  type LoggerOptions,
} from '@mikro-orm/postgresql';
import { sqlSpansFromQueryLog } from '../shared/tracing';
import { Migrator } from '@mikro-orm/migrations';
import { SeedManager } from '@mikro-orm/seeder';
import { migrationsList } from './migrations';
import { commitTracker } from './commit-outcome';
import { countReplicaStatement } from '../shared/request-scope';

/**
 * text[] columns hold codes (EHRs, regions, languages, certifications, event types). PostgreSQL
 * writes such arrays as `{EPIC,US-OH}`: a split reads them several times faster than pg's general
 * character-by-character array parser, which stays in charge of anything quoted, escaped, nested or NULL.
 */
const TEXT_ARRAY = 1009 as Parameters<typeof types.setTypeParser>[0]; // the type's OID
const parseTextArray = types.getTypeParser(TEXT_ARRAY);
types.setTypeParser(TEXT_ARRAY, (text: string) => {
  if (text === '{}') return [];
  const values = /["\\{}]/.test(text.slice(1, -1)) ? null : text.slice(1, -1).split(',');
  return values && !values.includes('NULL') ? values : parseTextArray(text);
});

export interface OrmOptions {
  databaseUrl: string;
  /** Every module's entities: the wiring layer lists them (app/orm.ts). */
  entities: EntityClass<AnyEntity>[];
  poolMax?: number;
  statementTimeoutMs?: number;
  debug?: boolean;
  /** A read replica's pool (db/replicas.ts): never created or migrated, its statements counted as the replica's. */
  replica?: boolean;
  /** A span per statement from MikroORM's query log (only when tracing is on: shared/tracing.ts). */
  traceQueries?: boolean;
}

/** MikroORM's logger, also turning each logged statement into a span. */
class QuerySpanLogger extends DefaultLogger {
  override logQuery(context: Parameters<DefaultLogger['logQuery']>[0]): void {
    sqlSpansFromQueryLog(context);
    super.logQuery(context);
  }
}

export function ormConfig(o: OrmOptions) {
  return defineConfig({
    clientUrl: o.databaseUrl,
    entities: o.entities,
    extensions: [Migrator, SeedManager],
    subscribers: [commitTracker],
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: o.debug ?? false,
    ...(o.traceQueries ? { loggerFactory: (options: LoggerOptions) => new QuerySpanLogger(options) } : {}),
    ensureDatabase: !o.replica,
    pool: {
      min: 0,
      max: o.poolMax ?? 10,
      ...(o.replica && {
        afterCreate: (connection: Client, done: (err: Error | null, connection: Client) => void) => {
          countStatementsAsReplicas(connection);
          done(null, connection);
        },
      }),
    },
    driverOptions: {
      connection: {
        // A transaction left idle also ends: an open write transaction holds event dispatch back (event-dispatcher.ts).
        options: ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']
          .map((s) => `-c ${s}=${o.statementTimeoutMs ?? 10_000}`)
          .join(' '),
        application_name: 'health-services-exchange',
      },
    },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
  });
}

/** Counts every statement sent on a replica's connection, whichever path sent it (request-scope.ts). */
function countStatementsAsReplicas(connection: Client) {
  const send = connection.query.bind(connection) as (...args: unknown[]) => unknown;
  (connection as unknown as { query: typeof send }).query = (...args: unknown[]) => {
    countReplicaStatement();
    return send(...args);
  };
}

export async function openOrm(o: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(o));
}

const MIGRATION_LOCK = 7_340_002;

/**
 * Applies pending migrations, then `afterwards` (the wiring layer upserts the reference data owned by
 * the code there) under the same lock. Instances starting together take turns (an advisory lock held by an open transaction on a connection of its own: a
 * session lock would stay behind on a server connection of PgBouncer in transaction pooling mode).
 */
export async function migrate(orm: MikroORM, afterwards?: (orm: MikroORM) => Promise<void>): Promise<void> {
  const lock = new Client({ connectionString: orm.config.getClientUrl() });
  await lock.connect();
  try {
    await lock.query('begin');
    await lock.query(`set local idle_in_transaction_session_timeout = 0`); // when a role default sets one (PgBouncer setups)
    await lock.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await orm.getMigrator().up();
    await afterwards?.(orm);
  } finally {
    await lock.end(); // ends the transaction, which releases the lock
  }
}
