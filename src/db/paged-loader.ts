// Batches "page N of the children of each parent" into one SQL statement per level (window functions).
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';
import {
  cursorValueRefused,
  encodeCursor,
  keysetCondition,
  type Page,
  type PageResult,
  type SortKey,
} from '../shared/connection';
import { rowMapper } from './read-model';
import { prepared } from './prepared';

export interface ChildPageKey extends Page {
  parentId: string;
  /**
   * Extra SQL condition on the child rows, chosen by the caller from a fixed set (never user text,
   * never values: those go in `scopeParams`, so the statement text is the same for every viewer).
   */
  scope?: string;
  scopeParams?: unknown[];
}

/**
 * `table` rows whose `parentColumn` is the key's parent, in the order of `sortKeys` (ending with a
 * unique column), paged per parent after the key's cursor. One statement per distinct (page, scope)
 * in the batch; the total comes from a window count taken before the cursor applies.
 */
export function childPageLoader<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: { table: string; parentColumn: string; sortKeys: { column: string; desc?: boolean }[] },
) {
  const keys = (alias: string): SortKey[] =>
    sql.sortKeys.map((k) => ({ expr: `${alias}.${k.column}`, desc: !!k.desc }));
  const orderBy = keys('x')
    .map((k) => `${k.expr}${k.desc ? ' desc' : ''}`)
    .join(', ');
  const groupOf = (k: ChildPageKey) => JSON.stringify([k.limit, k.after, k.scope ?? '', k.scopeParams ?? []]);
  return new DataLoader<ChildPageKey, PageResult<T>, string>(
    async (batch) => {
      const results = new Map<string, PageResult<T>>();
      const groups = new Map<string, ChildPageKey[]>();
      for (const k of batch) {
        const g = groupOf(k);
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      for (const group of groups.values()) {
        const { limit, after, scope, scopeParams } = group[0];
        const parentIds = [...new Set(group.map((k) => k.parentId))];
        const keyset = after ? keysetCondition(keys('t'), after) : null;
        // Rows before the cursor are not on the page, but the first of them still carries the total.
        const rows = await prepared<Record<string, unknown> & { _rn: string; _total: string; _after: boolean }>(
          em,
          `select * from (
             select x.*, row_number() over (partition by x.${sql.parentColumn}, x._after order by ${orderBy}) as _rn
               from (select t.*, count(*) over (partition by t.${sql.parentColumn}) as _total, ${keyset ? keyset.sql : 'true'} as _after
                       from ${sql.table} t
                      where t.${sql.parentColumn} = any(?::uuid[]) ${scope ? `and (${scope})` : ''}) x
           ) y where y._rn <= ? and (y._after or y._rn = 1) order by y.${sql.parentColumn}, y._after, y._rn`,
          [...(keyset?.params ?? []), parentIds, ...(scopeParams ?? []), limit + 1],
        ).catch(cursorValueRefused);
        const map = rowMapper(em, entity);
        const byParent = new Map<string, PageResult<T>>(
          parentIds.map((id) => [id, { nodes: [], cursors: [], total: 0, hasNextPage: false }]),
        );
        for (const { _rn, _total, _after, ...row } of rows) {
          const page = byParent.get(row[sql.parentColumn] as string)!;
          page.total = Number(_total);
          if (!_after) continue;
          if (page.nodes.length === limit) {
            page.hasNextPage = true;
            continue;
          }
          page.nodes.push(map(row));
          page.cursors.push(encodeCursor(sql.sortKeys.map((k) => String(row[k.column]))));
        }
        for (const [id, page] of byParent) results.set(`${id}:${groupOf(group[0])}`, page);
      }
      return batch.map((k) => results.get(`${k.parentId}:${groupOf(k)}`)!);
    },
    { cacheKeyFn: (k) => `${k.parentId}:${groupOf(k)}` },
  );
}
