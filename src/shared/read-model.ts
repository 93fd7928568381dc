// Reads without the unit of work. GraphQL reads many rows and changes none of them, so read paths
// turn rows into entity-shaped objects directly (no identity map, no change tracking), which is
// several times cheaper than managed entities. Writes keep using managed entities and em.flush(),
// except the quote flow's (shared/write-model).
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager, FilterQuery, QueryOrderMap } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { Page } from './connection';
import { isUuid } from './ids';

type Mapper<T> = (row: Record<string, unknown>) => T;
const mappers = new WeakMap<EntityClass<unknown>, Mapper<unknown>>();

/** A row-to-object function for an entity, from its metadata (column -> property, timestamps -> Date). */
export function rowMapper<T extends object>(em: EntityManager, entity: EntityClass<T>): Mapper<T> {
  let mapper = mappers.get(entity) as Mapper<T> | undefined;
  if (!mapper) {
    const props = em.getMetadata().get(entity.name).props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false);
    const columns = props.map((p) => ({ column: p.fieldNames[0], name: p.name, isDate: p.runtimeType === 'Date' }));
    // Own data properties, defined rather than assigned: the ORM's accessors on the prototype
    // (reference tracking for managed entities) are neither needed nor triggered here.
    mapper = (row) => {
      const descriptors: PropertyDescriptorMap = {};
      for (const c of columns) {
        const v = row[c.column];
        descriptors[c.name] = { value: c.isDate && typeof v === 'string' ? new Date(v) : v, writable: true, enumerable: true, configurable: true };
      }
      return Object.create(entity.prototype, descriptors) as T;
    };
    mappers.set(entity, mapper as Mapper<unknown>);
  }
  return mapper;
}

/** A per-request DataLoader of `entity` by id: one statement per batch; a non-UUID id is simply not found. */
export function byIdLoader<T extends { id: string }>(em: EntityManager, entity: EntityClass<T>): DataLoader<string, T | null> {
  const table = em.getMetadata().get(entity.name).tableName;
  return new DataLoader(async (ids) => {
    const rows = await em.execute<Record<string, unknown>[]>(`select * from "${table}" where id = any(?::uuid[])`, [`{${ids.filter(isUuid).join(',')}}`]);
    const map = rowMapper(em, entity);
    const byId = new Map(rows.map((r) => [r.id as string, map(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** One page of `entity` matching `where` and the total count: two statements, run side by side. */
export async function findPage<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  orderBy: QueryOrderMap<T>,
  page: Page,
): Promise<{ nodes: T[]; total: number }> {
  const [rows, total] = await Promise.all([
    page.limit ? em.createQueryBuilder(entity, 'e').select('*').where(where).orderBy(orderBy).limit(page.limit).offset(page.offset).execute('all', false) : [],
    em.createQueryBuilder(entity, 'e').where(where).getCount(),
  ]);
  return { nodes: (rows as Record<string, unknown>[]).map(rowMapper(em, entity)), total };
}
