import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../db/locks';

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

/** Capacity rows per offering for a month range: one statement per distinct range in a batch. */
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
          // Expired holds stop counting at their expiry, before the sweeper releases them.
          const rows = await em.execute<(CapacityRow & { offeringId: string })[]>(
            `select c.offering_id as "offeringId", to_char(c.month, 'YYYY-MM') as month, c.total_units as "totalUnits",
                    c.sellable_units as "sellableUnits", c.committed_units as "committedUnits", c.conditional_units as "conditionalUnits",
                    case when c.held_units = 0 then 0 else c.held_units - coalesce((select sum(r.units) from reservation r
                       where r.offering_id = c.offering_id and r.month = c.month and r.status = 'ACTIVE'
                         and r.kind = 'HELD' and r.expires_at <= now()), 0)::int end as "heldUnits"
               from capacity_month c
              where c.offering_id = any(?::uuid[]) and c.month between ?::date and ?::date
              order by c.offering_id, c.month`,
            [pgArray([...new Set(group.map((k) => k.offeringId))]), `${from}-01`, `${to}-01`],
          );
          for (const { offeringId, ...row } of rows) {
            const key = `${offeringId}:${from}:${to}`;
            if (!out.has(key)) out.set(key, []);
            out.get(key)!.push(row);
          }
        }
        return keys.map((k) => out.get(`${k.offeringId}:${k.from}:${k.to}`) ?? []);
      },
      { cacheKeyFn: (k) => `${k.offeringId}:${k.from}:${k.to}` },
    ),
  };
}
