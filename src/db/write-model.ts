// Writes without the unit of work, for the hot write paths (issuing and accepting quotes). Entities
// built in memory are inserted by one SQL statement each (or combined with other changes into one
// statement), instead of a change-set computation and an INSERT per entity type at flush time.
// The entity instances stay unmanaged: they are what the GraphQL payload returns.
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { prepared } from './prepared';
import { persistedColumns } from './read-model';

/** SQL text and its `?` bindings, to be composed into one statement. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

/**
 * `insert into <table> (...) select ... from jsonb_populate_recordset(...)`: inserts `rows` (entity
 * instances with every persisted property set) in one statement. PostgreSQL converts each JSON value
 * to its column's type (uuid, timestamptz, numeric, arrays, jsonb).
 */
export function insertRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  rows: T[],
  returning = '',
  where = '',
): SqlPart {
  const table = em.getMetadata().get(entity.name).tableName;
  const cols = persistedColumns(em, entity);
  const list = cols.map((c) => `"${c.column}"`).join(', ');
  const json = rows.map((r) =>
    Object.fromEntries(cols.map((c) => [c.column, (r as Record<string, unknown>)[c.name] ?? null])),
  );
  return {
    sql: `insert into "${table}" (${list}) select ${list} from jsonb_populate_recordset(null::"${table}", ?::jsonb)${where ? ` where ${where}` : ''}${returning ? ` returning ${returning}` : ''}`,
    params: [JSON.stringify(json)],
  };
}

/** Runs `with <name> as (<part>), ... <final>` as one (prepared) statement. */
export async function executeWith<R = Record<string, unknown>>(
  em: EntityManager,
  ctes: [string, SqlPart][],
  final: SqlPart,
): Promise<R[]> {
  const sql = `with ${ctes.map(([name, p]) => `${name} as (${p.sql})`).join(',\n')}\n${final.sql}`;
  return prepared<R>(em, sql, [...ctes.flatMap(([, p]) => p.params), ...final.params]);
}
