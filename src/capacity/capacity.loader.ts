import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { readRows } from '../shared/read-model';
import { monthRange } from '../shared/month';

export interface CapacityRow {
  month: string;
  totalUnits: number;
  sellableUnits: number;
  heldUnits: number;
  committedUnits: number;
  conditionalUnits: number;
}

interface Key {
  offeringId: string;
  from: string;
  to: string;
}

const keyOf = (k: Key) => `${k.offeringId}:${k.from}:${k.to}`;

/**
 * Capacity rows per offering for a month range: one statement per distinct range in a batch. Each
 * offering's months come back as one two-dimensional integer array (`[month number, total, sellable,
 * held, committed, conditional]` per month, the month counted from the range's first): one row per
 * offering and one JSON.parse of its text, instead of a row, six typed columns and an object per
 * month, which is what a 24-month read of 50 offerings spent its time on (integer arrays also cost
 * PostgreSQL less to build than JSON).
 */
export function createCapacityLoaders(em: EntityManager) {
  return {
    capacityByOffering: new DataLoader<Key, CapacityRow[], string>(
      async (keys) => {
        const out = new Map<string, CapacityRow[]>();
        const ranges = new Map<string, Key[]>();
        for (const k of keys) {
          const range = `${k.from}:${k.to}`;
          if (!ranges.has(range)) ranges.set(range, []);
          ranges.get(range)!.push(k);
        }
        for (const group of ranges.values()) {
          const { from, to } = group[0];
          const months = monthRange(from, to);
          // Expired holds stop counting at their expiry, before the sweeper releases them.
          const rows = await readRows<{ offeringId: string; months: string }>(
            em,
            `select c.offering_id as "offeringId",
                    array_agg(array[((extract(year from c.month) - extract(year from $2::date)) * 12 + extract(month from c.month) - extract(month from $2::date))::int,
                      c.total_units, c.sellable_units,
                      case when c.held_units = 0 then 0 else c.held_units - coalesce((select sum(r.units) from reservation r
                         where r.offering_id = c.offering_id and r.month = c.month and r.status = 'ACTIVE'
                           and r.kind = 'HELD' and r.expires_at <= now()), 0)::int end,
                      c.committed_units, c.conditional_units] order by c.month)::text as months
               from capacity_month c
              where c.offering_id = any($1::uuid[]) and c.month between $2::date and $3::date
              group by c.offering_id`,
            [[...new Set(group.map((k) => k.offeringId))], `${from}-01`, `${to}-01`],
          );
          for (const { offeringId, months: text } of rows) {
            // PostgreSQL writes integer arrays as {{1,2},{3,4}}: JSON once the braces are brackets.
            const parsed = JSON.parse(text.replaceAll('{', '[').replaceAll('}', ']')) as number[][];
            out.set(
              keyOf({ offeringId, from, to }),
              parsed.map(([i, totalUnits, sellableUnits, heldUnits, committedUnits, conditionalUnits]) => ({ month: months[i], totalUnits, sellableUnits, heldUnits, committedUnits, conditionalUnits })),
            );
          }
        }
        return keys.map((k) => out.get(keyOf(k)) ?? []);
      },
      { cacheKeyFn: keyOf },
    ),
  };
}
