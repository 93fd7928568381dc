import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../db/prepared';
import { monthRange } from '../shared/month';
import { liveHeldUnits } from './availability';

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
 * Reads PostgreSQL's text form of an array of non-negative integers, nested or not (`{{1,2},{3,4}}`),
 * as one flat list: a single pass over the characters, no intermediate strings or arrays.
 */
export function parseIntegers(text: string): number[] {
  const out: number[] = [];
  let n = 0;
  let inNumber = false;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit >= 0 && digit <= 9) {
      n = n * 10 + digit;
      inNumber = true;
    } else if (inNumber) {
      out.push(n);
      n = 0;
      inNumber = false;
    }
  }
  return out;
}

const FIELDS = 6; // month number, total, sellable, held, committed, conditional

/**
 * Capacity rows per offering for a month range, one per month of the range (zeros where the
 * provider set nothing): one statement per distinct range in a batch. Each offering's months come
 * back as one two-dimensional integer array, parsed in one pass: a 24-month read of 50 offerings
 * otherwise spends its time decoding 1,200 rows of typed columns (integer arrays also cost
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
          const offeringIds = [...new Set(group.map((k) => k.offeringId))];
          // Expired holds stop counting at their expiry, before the sweeper releases them.
          const rows = await query<{ offeringId: string; months: string }>(
            em,
            `select c.offering_id as "offeringId",
                    array_agg(array[((extract(year from c.month) - extract(year from $2::date)) * 12 + extract(month from c.month) - extract(month from $2::date))::int,
                      c.total_units, c.sellable_units,
                      ${liveHeldUnits('c')},
                      c.committed_units, c.conditional_units])::text as months
               from capacity_month c
              where c.offering_id = any($1::uuid[]) and c.month between $2::date and $3::date
              group by c.offering_id`,
            [offeringIds, `${from}-01`, `${to}-01`],
          );
          const stored = new Map(rows.map((r) => [r.offeringId, parseIntegers(r.months)]));
          for (const offeringId of offeringIds) {
            const dense = months.map((month) => ({
              month,
              totalUnits: 0,
              sellableUnits: 0,
              heldUnits: 0,
              committedUnits: 0,
              conditionalUnits: 0,
            }));
            const v = stored.get(offeringId) ?? [];
            for (let i = 0; i < v.length; i += FIELDS) {
              Object.assign(dense[v[i]], {
                totalUnits: v[i + 1],
                sellableUnits: v[i + 2],
                heldUnits: v[i + 3],
                committedUnits: v[i + 4],
                conditionalUnits: v[i + 5],
              });
            }
            out.set(keyOf({ offeringId, from, to }), dense);
          }
        }
        return keys.map((k) => out.get(keyOf(k))!);
      },
      { cacheKeyFn: keyOf },
    ),
  };
}

declare module '../access/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createCapacityLoaders> {}
}
