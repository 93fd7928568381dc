// Batches "page N of the children of each parent" into one SQL statement per level (window functions).
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';
import type { Page } from './connection';
import { rowMapper } from './read-model';
import { query } from '../db/prepared';

export interface ChildPageKey extends Page {
  parentId: string;
  /** Extra SQL condition on the child rows, chosen by the caller from a fixed set (never user text). */
  scope?: string;
}

export interface ChildPage<T> {
  nodes: T[];
  total: number;
}

/**
 * `table` rows whose `parentColumn` is the key's parent, ordered by `orderBy`, paged per parent.
 * One statement per distinct (page, scope) in the batch; the total comes from a window count.
 */
export function childPageLoader<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: { table: string; parentColumn: string; orderBy: string },
) {
  return new DataLoader<ChildPageKey, ChildPage<T>, string>(
    async (keys) => {
      const results = new Map<string, ChildPage<T>>();
      const groups = new Map<string, ChildPageKey[]>();
      for (const k of keys) {
        const g = `${k.limit}:${k.offset}:${k.scope ?? ''}`;
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      for (const group of groups.values()) {
        const { limit, offset, scope } = group[0];
        const parentIds = [...new Set(group.map((k) => k.parentId))];
        const rows = await query<Record<string, unknown> & { _rn: string; _total: string }>(
          em,
          `select * from (
             select t.*, row_number() over (partition by t.${sql.parentColumn} order by ${sql.orderBy}) as _rn,
                    count(*) over (partition by t.${sql.parentColumn}) as _total
               from ${sql.table} t
              where t.${sql.parentColumn} = any($1::uuid[]) ${scope ? `and (${scope})` : ''}
           ) x where x._rn > $2 and x._rn <= $3 order by x.${sql.parentColumn}, x._rn`,
          [parentIds, offset, offset + limit],
        );
        const map = rowMapper(em, entity);
        const byParent = new Map<string, ChildPage<T>>(parentIds.map((id) => [id, { nodes: [], total: 0 }]));
        for (const { _rn, _total, ...row } of rows) {
          const page = byParent.get(row[sql.parentColumn] as string)!;
          page.total = Number(_total);
          page.nodes.push(map(row));
        }
        for (const [id, page] of byParent) results.set(`${id}:${limit}:${offset}:${scope ?? ''}`, page);
      }
      return keys.map((k) => results.get(`${k.parentId}:${k.limit}:${k.offset}:${k.scope ?? ''}`)!);
    },
    { cacheKeyFn: (k) => `${k.parentId}:${k.limit}:${k.offset}:${k.scope ?? ''}` },
  );
}
