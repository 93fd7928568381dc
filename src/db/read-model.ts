// Reads without the unit of work. GraphQL reads many rows and changes none of them, so read paths
// send prepared statements straight to `pg` (db/prepared) and turn rows into entity-shaped objects
// directly (no identity map, no change tracking, no query formatting by the ORM), which is several
// times cheaper than managed entities. Writes keep using managed entities and em.flush(),
// except the quote flow's (db/write-model).
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager, FilterQuery, QueryOrderMap } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { cursorValueRefused, encodeCursor, keysetCondition, type Page, type PageResult } from '../shared/connection';
import { isUuid } from '../shared/ids';
import { query } from './prepared';

type Mapper<T> = (row: Record<string, unknown>) => T;
const mappers = new Map<string, Mapper<unknown>>();

export interface PersistedColumn {
  column: string;
  /** The entity property. */
  name: string;
  isDate: boolean;
}
const persisted = new Map<string, PersistedColumn[]>();

/** An entity's columns that map to one property each (what rows are read into and written from), in a fixed order. */
export function persistedColumns(em: EntityManager, entity: EntityClass<unknown>): PersistedColumn[] {
  let columns = persisted.get(entity.name);
  if (!columns) {
    const props = em
      .getMetadata()
      .get(entity.name)
      .props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false);
    persisted.set(
      entity.name,
      (columns = props.map((p) => ({ column: p.fieldNames[0], name: p.name, isDate: p.runtimeType === 'Date' }))),
    );
  }
  return columns;
}

/**
 * A row-to-object function for an entity, from its metadata (column -> property, timestamps -> Date).
 * With a `prefix`, it reads the columns selected by `prefixedColumns` (another table's row beside).
 */
export function rowMapper<T extends object>(em: EntityManager, entity: EntityClass<T>, prefix = ''): Mapper<T> {
  const key = `${entity.name}:${prefix}`;
  let mapper = mappers.get(key) as Mapper<T> | undefined;
  if (!mapper) {
    const columns = persistedColumns(em, entity);
    // The ORM puts accessors on the prototype (reference tracking for managed entities). A layer in
    // between shadows them with plain data properties, so rows get ordinary own properties, assigned
    // in one order (one hidden class, fast property access), and the accessors never run.
    const prototype = Object.create(
      entity.prototype,
      Object.fromEntries(columns.map((c) => [c.name, { value: undefined, writable: true }])),
    );
    mapper = (row) => {
      const o = Object.create(prototype);
      for (const c of columns) {
        const v = row[prefix + c.column];
        o[c.name] = c.isDate && typeof v === 'string' ? new Date(v) : v;
      }
      return o as T;
    };
    mappers.set(key, mapper as Mapper<unknown>);
  }
  return mapper;
}

const selectLists = new Map<string, string>();

/** The select list of an entity's columns from table alias `alias`, each named `<prefix><column>` (see rowMapper). */
export function prefixedColumns(
  em: EntityManager,
  entity: EntityClass<unknown>,
  alias: string,
  prefix: string,
): string {
  const key = `${entity.name}:${alias}:${prefix}`;
  let list = selectLists.get(key);
  if (list === undefined)
    selectLists.set(
      key,
      (list = persistedColumns(em, entity)
        .map((c) => `${alias}."${c.column}" as "${prefix}${c.column}"`)
        .join(', ')),
    );
  return list;
}

/** A per-request DataLoader of `entity` by id: one statement per batch; a non-UUID id is simply not found. */
export function byIdLoader<T extends { id: string }>(
  em: EntityManager,
  entity: EntityClass<T>,
): DataLoader<string, T | null> {
  const table = em.getMetadata().get(entity.name).tableName;
  return new DataLoader(async (ids) => {
    const rows = await query<Record<string, unknown>>(em, `select * from "${table}" where id = any($1::uuid[])`, [
      ids.filter(isUuid),
    ]);
    const map = rowMapper(em, entity);
    const byId = new Map(rows.map((r) => [r.id as string, map(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Visibility of a listing whose rows of one status are public and the others their owner's, given
 * the status the listing is narrowed to, if any: narrowed to the public status it needs no condition,
 * to another status only the owner's rows. PostgreSQL does not simplify `(public or own) and public`
 * itself, and the `or` turns the listing's count into a full scan.
 */
export function publicOrOwn<T>(
  narrowedTo: string | undefined,
  publicStatus: string,
  own: FilterQuery<T>,
): FilterQuery<T> {
  if (narrowedTo === publicStatus) return {};
  return narrowedTo ? own : ({ $or: [{ status: publicStatus }, own] } as FilterQuery<T>);
}

type Native = { sql: string; bindings: readonly unknown[] };
type Compilable = { getKnexQuery(): { toSQL(): { toNative(): Native } } };

/**
 * SQL of a query builder by what it was built from. Building and compiling a MikroORM query costs
 * more CPU than parsing the page it returns, and listings repeat the same filters all day: the text
 * is a pure function of the entity, criteria (values included), order and page, so it is compiled
 * once (bounded memo).
 */
const compiled = new Map<string, Native>();
function nativeSql(key: string, build: () => Compilable): Native {
  let native = compiled.get(key);
  if (!native) {
    if (compiled.size >= 2000) compiled.clear();
    compiled.set(key, (native = build().getKnexQuery().toSQL().toNative()));
  }
  return native;
}

/**
 * One page of `entity` matching `where` and the total count: two statements, run side by side. The
 * page starts after the cursor's item (keyset) and reads one row more than asked, to know whether
 * more follow. `orderBy` must end with a unique key (the id) so that every item has its own place.
 */
export async function findPage<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  orderBy: Record<string, 'asc' | 'desc'>,
  page: Page,
): Promise<PageResult<T>> {
  const columnOf = new Map(persistedColumns(em, entity).map((c) => [c.name, c.column]));
  const columns = Object.keys(orderBy).map((name) => columnOf.get(name)!);
  const keys = Object.entries(orderBy).map(([name, dir]) => ({
    expr: `e.${columnOf.get(name)}`,
    desc: dir === 'desc',
  }));
  const key = `${entity.name}:${JSON.stringify(where, (_k, v: unknown) => (v === undefined ? '(undefined)' : v))}`;
  const build = () => {
    const qb = em.createQueryBuilder(entity, 'e').select('*').where(where);
    if (page.after) {
      const after = keysetCondition(keys, page.after);
      qb.andWhere(after.sql, after.params);
    }
    return qb.orderBy(orderBy as QueryOrderMap<T>).limit(page.limit + 1);
  };
  // First pages repeat all day: their text is memoized; later pages carry the cursor's values.
  const list = !page.limit
    ? null
    : page.after
      ? build().getKnexQuery().toSQL().toNative()
      : nativeSql(`${key}:${JSON.stringify(orderBy)}:${page.limit}`, build);
  const count = nativeSql(`${key}:count`, () => em.createQueryBuilder(entity, 'e').count().where(where));
  const [rows, [{ count: total }]] = await Promise.all([
    list ? query<Record<string, unknown>>(em, list.sql, [...list.bindings]).catch(cursorValueRefused) : [],
    query<{ count: string }>(em, count.sql, [...count.bindings]),
  ]);
  const shown = rows.slice(0, page.limit);
  return {
    nodes: shown.map(rowMapper(em, entity)),
    cursors: shown.map((r) => encodeCursor(columns.map((c) => String(r[c])))),
    total: Number(total),
    hasNextPage: rows.length > page.limit,
  };
}
