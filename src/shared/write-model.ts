// Writes without the unit of work, for the hot write paths (issuing and accepting quotes). Entities
// built in memory are inserted by one SQL statement each (or combined with other changes into one
// statement), instead of a change-set computation and an INSERT per entity type at flush time.
// The entity instances stay unmanaged: they are what the GraphQL payload returns.
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { prepared } from '../db/prepared';

/** SQL text and its `?` bindings, to be composed into one statement. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

interface Columns {
  table: string;
  /** Column names in one fixed order, and the property each is read from. */
  columns: { column: string; property: string }[];
}
const columnsOf = new WeakMap<EntityClass<unknown>, Columns>();

function columns<T extends object>(em: EntityManager, entity: EntityClass<T>): Columns {
  let c = columnsOf.get(entity);
  if (!c) {
    const meta = em.getMetadata().get(entity.name);
    const props = meta.props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false);
    c = { table: meta.tableName, columns: props.map((p) => ({ column: p.fieldNames[0], property: p.name })) };
    columnsOf.set(entity, c);
  }
  return c;
}

/**
 * `insert into <table> (...) select ... from jsonb_populate_recordset(...)`: inserts `rows` (entity
 * instances with every persisted property set) in one statement. PostgreSQL converts each JSON value
 * to its column's type (uuid, timestamptz, numeric, arrays, jsonb).
 */
export function insertRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: T[], returning = '', where = ''): SqlPart {
  const { table, columns: cols } = columns(em, entity);
  const list = cols.map((c) => `"${c.column}"`).join(', ');
  const json = rows.map((r) => Object.fromEntries(cols.map((c) => [c.column, (r as Record<string, unknown>)[c.property] ?? null])));
  return {
    sql: `insert into "${table}" (${list}) select ${list} from jsonb_populate_recordset(null::"${table}", ?::jsonb)${where ? ` where ${where}` : ''}${returning ? ` returning ${returning}` : ''}`,
    params: [JSON.stringify(json)],
  };
}

/** Runs `with <name> as (<part>), ... <final>` as one (prepared) statement. */
export async function executeWith<R = Record<string, unknown>>(em: EntityManager, ctes: [string, SqlPart][], final: SqlPart): Promise<R[]> {
  const sql = `with ${ctes.map(([name, p]) => `${name} as (${p.sql})`).join(',\n')}\n${final.sql}`;
  return prepared<R>(em, sql, [...ctes.flatMap(([, p]) => p.params), ...final.params]);
}
