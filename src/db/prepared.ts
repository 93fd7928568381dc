// Hot-path statements as named prepared statements, sent straight to `pg`. MikroORM's em.execute
// inlines the values into the SQL text, so PostgreSQL parses and plans every call as a new
// statement, and every query goes through knex's query pipeline; here the values are bound, each
// statement text is parsed once per connection (PostgreSQL then reuses a generic plan when it is no
// worse than a custom one), and a statement costs the API about a quarter of the CPU.
// A statement runs in `em`'s transaction when it has one, else on a connection of the same pool.
// Texts come from code (a bounded set), never from input.
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/knex';
import { countSqlStatement } from '../shared/request-scope';
import { recordSqlSpan, tracingOn } from '../shared/tracing';
import { autocommitted, autocommitting } from './commit-outcome';

interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): void;
}

let namedStatements = true;

/**
 * DB_NAMED_STATEMENTS=false: the statements go unnamed (still bound, parsed on every call), for a
 * pooler in transaction mode that cannot carry named statements across server connections.
 */
export function useNamedStatements(on: boolean): void {
  namedStatements = on;
}

const names = new Map<string, string>();
const nameOf = (text: string) => {
  if (!namedStatements) return undefined;
  let name = names.get(text);
  if (!name) names.set(text, (name = `hsx_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`));
  return name;
};

/** How many distinct statement texts this process has prepared (each is prepared once per pooled connection). */
export const preparedTextCount = () => names.size;

/** Runs `text` with `$1`-style parameters bound to `values`, in `em`'s transaction when it has one. */
export async function query<R = Record<string, unknown>>(
  em: EntityManager,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const trx = em.getTransactionContext<Knex.Transaction>();
  const client = (trx ?? em.getConnection().getKnex()).client as KnexClient;
  const connection = (await client.acquireConnection()) as PgConnection;
  countSqlStatement();
  const autocommit = autocommitting(!!trx);
  const started = tracingOn() ? performance.now() : 0;
  let failed = false;
  try {
    const rows = (await connection.query({ name: nameOf(text), text, values })).rows as R[];
    if (autocommit) autocommitted();
    return rows;
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    if (started) recordSqlSpan(text, performance.now() - started, failed);
    if (!trx) client.releaseConnection(connection); // a transaction keeps its connection
  }
}
/**
 * A select-list item for the first statement of a hot write transaction: the rest of the transaction
 * runs prepared statements on their generic plans (SET LOCAL plan_cache_mode, without a round trip of
 * its own). PostgreSQL keeps re-planning a statement on every call when its custom plans look cheaper
 * than the generic one, which they do whenever an array parameter's length is known (`= any(?)`,
 * `unnest(?)`): that re-planning was a third of the CPU of issuing a quote, for the same plan.
 */
export const GENERIC_PLANS_FOR_TRANSACTION = `set_config('plan_cache_mode', 'force_generic_plan', true) as plan_cache_mode`;

const numberedTexts = new Map<string, string>();

/**
 * `query` for texts with `?` placeholders, the form composable SQL parts use (db/write-model):
 * each `?` becomes `$1`, `$2`... in order (scalars only: pass arrays as `pgArray` literals).
 */
export function prepared<R = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  let text = numberedTexts.get(sql);
  if (!text) {
    let i = 0;
    numberedTexts.set(sql, (text = sql.replace(/\?/g, () => `$${++i}`)));
  }
  return query<R>(em, text, params);
}

/** PostgreSQL array literal of values we produced ourselves (UUIDs, dates). */
export const pgArray = (values: string[]) => `{${values.join(',')}}`;
