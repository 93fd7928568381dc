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
import type { ThenCommit } from './transaction-pipelining';

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] } & ThenCommit): Promise<{ rows: unknown[] }>;
}

export interface StatementOptions {
  /**
   * COMMIT goes to PostgreSQL with this statement (no round trip of its own). It must be the
   * transaction's last: anything after it fails, and an error thrown after it rolls nothing back.
   */
  commit?: boolean;
}

const names = new Map<string, string>();
const nameOf = (text: string) => {
  let name = names.get(text);
  if (!name) names.set(text, (name = `hsx_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`));
  return name;
};

/** Runs `text` with `$1`-style parameters bound to `values`. */
export async function query<R = Record<string, unknown>>(em: EntityManager, text: string, values: unknown[] = [], options: StatementOptions = {}): Promise<R[]> {
  const own = statementTransactions.get(em);
  const trx = own ? undefined : em.getTransactionContext<Knex.Transaction>();
  if (options.commit && !own && !trx) throw new Error('commit: the statement is not in a transaction');
  const client = (trx ?? em.getConnection().getKnex()).client as KnexClient;
  const connection = own ?? ((await client.acquireConnection()) as PgConnection);
  countSqlStatement();
  try {
    return (await connection.query({ name: nameOf(text), text, values, thenCommit: options.commit })).rows as R[];
  } finally {
    if (!own && !trx) client.releaseConnection(connection); // a transaction keeps its connection
  }
}

/** The connections of the forks statementTransaction runs. */
const statementTransactions = new WeakMap<EntityManager, PgConnection>();

interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): void;
}

/**
 * Runs `work` in a transaction on one pooled connection, for hot write paths whose statements all go
 * through this module: `work` gets a fork of `em` on which `query` and `prepared` run in the
 * transaction, and the transaction commits when `work` resolves (with its last statement, when that
 * one carries the COMMIT) and rolls back when it throws. The ORM's transaction (its fork, knex's
 * per-transaction instance, transaction events, the unit of work's flush) costs about 0.25 ms of CPU
 * per transaction, as much as the statements of a quote mutation. The ORM must not write on the fork:
 * its queries would run outside the transaction (reads that need not see the transaction's writes may).
 */
export async function statementTransaction<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const client = em.getConnection().getKnex().client as KnexClient;
  const connection = (await client.acquireConnection()) as PgConnection & { query(text: string): Promise<unknown>; __knex__disposed?: unknown };
  const fork = em.fork();
  statementTransactions.set(fork, connection);
  countSqlStatement(); // BEGIN, and below COMMIT or ROLLBACK, count as statements (as the ORM's do)
  try {
    await connection.query('BEGIN;'); // goes with the first statement (transaction-pipelining.ts)
    const result = await work(fork);
    countSqlStatement();
    await connection.query('COMMIT;'); // answered at once when a statement carried it
    return result;
  } catch (err) {
    countSqlStatement();
    // After a statement that carried the COMMIT (work may refuse after it), ROLLBACK is answered at once.
    await connection.query('ROLLBACK').catch((rollbackErr: unknown) => (connection.__knex__disposed = rollbackErr)); // the pool drops it
    throw err;
  } finally {
    statementTransactions.delete(fork);
    client.releaseConnection(connection);
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
 * `query` for texts with `?` placeholders, the form composable SQL parts use (shared/write-model):
 * each `?` becomes `$1`, `$2`... in order (scalars only: pass arrays as `pgArray` literals).
 */
export function prepared<R = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = [], options?: StatementOptions): Promise<R[]> {
  let text = numberedTexts.get(sql);
  if (!text) {
    let i = 0;
    numberedTexts.set(sql, (text = sql.replace(/\?/g, () => `$${++i}`)));
  }
  return query<R>(em, text, params, options);
}
