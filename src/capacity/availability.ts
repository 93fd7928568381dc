// The availability rule, written once: a capacity month's available units are its sellable units
// less held, committed and conditional ones, where a hold past its expiry no longer counts (whether or
// not the sweeper has released it yet). The capacity loader, matching, the ledger and the month locks
// all build their SQL from these fragments, and capacity.service's reads from `availableUnits`.
//
// One clock: `now()`, the start of the transaction (or of the statement, outside one). Every statement
// of a transaction then agrees on which holds and quotes have lapsed: a quote accepted as live keeps
// its holds, and a hold released as expired belongs to a quote no later statement accepts.

/** SQL: reservation `r` is a hold past its expiry, still counted in its month's `held_units`. */
export const expiredHold = (r: string) => `${r}.status = 'ACTIVE' and ${r}.kind = 'HELD' and ${r}.expires_at <= now()`;

/** SQL: the units of expired holds still counted in capacity month `c`'s `held_units` (none when it holds nothing). */
export const expiredHeldUnits = (c: string) =>
  `(case when ${c}.held_units = 0 then 0 else (select coalesce(sum(r.units), 0) from reservation r
     where r.offering_id = ${c}.offering_id and r.month = ${c}.month and ${expiredHold('r')}) end)::int`;

/** SQL: capacity month `c`'s held units that still count, given `expired` (SQL) of them have lapsed. */
export const liveHeldUnits = (c: string, expired = expiredHeldUnits(c)) => `(${c}.held_units - ${expired})`;

/** SQL: capacity month `c`'s available units (never negative), given `expired` (SQL) held units have lapsed. */
export const availableUnitsSql = (c: string, expired = expiredHeldUnits(c)) =>
  `greatest(${c}.sellable_units - ${c}.committed_units - ${c}.conditional_units - ${liveHeldUnits(c, expired)}, 0)`;

/** Counters of a capacity month whose held units are already net of expired holds. */
export interface MonthCounters {
  sellableUnits: number;
  heldUnits: number;
  committedUnits: number;
  conditionalUnits: number;
}

export const reservedUnits = (m: Pick<MonthCounters, 'heldUnits' | 'committedUnits' | 'conditionalUnits'>) =>
  m.heldUnits + m.committedUnits + m.conditionalUnits;

/** `availableUnitsSql` for counters read already net of expired holds. */
export const availableUnits = (m: MonthCounters) => Math.max(0, m.sellableUnits - reservedUnits(m));
