// The reservation ledger: holds for quotes, committed and conditional units for engagements.
// Every function runs inside the caller's transaction and is all-or-nothing across a schedule.
// PostgreSQL keeps the counters (trigger) and refuses overselling (CHECK); we lock first so
// that the refusal is a clear userError rather than a constraint violation.
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserError, UserErrorCode, UserErrors } from '../shared/errors';
import { pgArray } from '../db/prepared';
import {
  lockMonthsWithExpiredHolds,
  lockOfferingMonthsReleasingExpiredHolds,
  lockReservedMonths,
  type LockedMonth,
} from './capacity.locks';
import { availableUnitsSql, expiredHold } from './availability';
import type { EngagementPhase } from './engagement-phase';
import { executeWith, type SqlPart } from '../db/write-model';
import { metrics } from '../shared/metrics';

export interface ScheduleLine {
  month: string; // YYYY-MM
  units: number;
  phase?: EngagementPhase;
}

/**
 * Releases holds past their expiry in months the caller has locked, and returns the locked
 * months with counters net of them: an expired hold stops counting at once, whether or not the
 * sweeper has run.
 */
export async function releaseExpiredHolds(em: EntityManager, months: LockedMonth[]): Promise<LockedMonth[]> {
  if (!months.length) return months;
  const released = await em.execute<{ offeringId: string; month: string; units: number }[]>(
    `update reservation r set status = 'EXPIRED', released_at = now()
      where ${expiredHold('r')} and (r.offering_id, r.month) in (select * from unnest(?::uuid[], ?::date[]))
      returning r.offering_id as "offeringId", to_char(r.month, 'YYYY-MM') as month, r.units`,
    [pgArray(months.map((m) => m.offeringId)), pgArray(months.map((m) => `${m.month}-01`))],
  );
  return months.map((m) => ({
    ...m,
    heldUnits:
      m.heldUnits -
      released.filter((r) => r.offeringId === m.offeringId && r.month === m.month).reduce((s, r) => s + r.units, 0),
  }));
}

/** The sweeper's step: releases expired holds in at most `limit` capacity months; returns how many months had some. */
export async function releaseLapsedHolds(em: EntityManager, limit: number): Promise<number> {
  return (await releaseExpiredHolds(em, await lockMonthsWithExpiredHolds(em, limit))).length;
}

/**
 * Placing holds is one statement: lock the schedule's months (releasing expired holds in them), work
 * out each line's available units, and insert the holds only if every line fits. These are its CTEs:
 * `fit` (month, units, available) and `fits` (ok); the caller adds its inserts guarded by
 * `(select ok from fits)`, then calls `refuseUnlessPlaced` with the `fit` rows. `onlyIf` (SQL on earlier
 * CTEs) false: no month is locked and nothing is placed.
 */
export function holdsFitCtes(offeringId: string, schedule: ScheduleLine[], onlyIf = 'true'): [string, SqlPart][] {
  return [
    ...lockOfferingMonthsReleasingExpiredHolds(
      offeringId,
      schedule.map((l) => l.month),
      onlyIf,
    ),
    [
      'fit',
      {
        // `c` has the counters as locked; `released` the expired holds this statement releases.
        sql: `select x.month, x.units,
                     coalesce(${availableUnitsSql('c', '(select coalesce(sum(r.units), 0) from released r where r.month = c.month)')}, 0)::int as available
                from unnest(?::date[], ?::int[]) as x(month, units) left join c on c.month = x.month`,
        params: [pgArray(schedule.map((l) => `${l.month}-01`)), pgArray(schedule.map((l) => String(l.units)))],
      },
    ],
    ['fits', { sql: `select coalesce(bool_and(units <= available), true) and ${onlyIf} as ok from fit`, params: [] }],
  ];
}

/** The final select of a hold-placing statement: each line's availability, whether the holds were placed, and `also` columns. */
export const fitResult = (also = '') =>
  `select to_char(f.month, 'YYYY-MM') as month, f.units, f.available, (select ok from fits) as placed${also} from fit f order by f.month`;

/** A row of `fitResult`. */
export interface FitRow {
  month: string;
  units: number;
  available: number;
  placed: boolean;
}

/** Refuses (the statement placed nothing) naming every month short of capacity. */
export function refuseUnlessPlaced(rows: FitRow[]): void {
  if (rows.every((r) => r.placed)) return;
  metrics.reservationConflicts.inc();
  throw new UserErrors(
    rows
      .filter((r) => r.units > r.available)
      .map(
        (r) =>
          new UserError(
            UserErrorCode.CAPACITY_EXCEEDED,
            `${r.month}: requested ${r.units} units, ${r.available} available.`,
            'schedule',
            { month: r.month, requestedUnits: r.units, availableUnits: r.available },
          ),
      ),
  );
}

/**
 * One HELD reservation per schedule month, as a CTE of a hold-placing statement: guarded by `fits`,
 * and taking the quote's id from the CTE `quoteIdFrom` when the quote is inserted in the same statement.
 */
export function holdsInsert(
  h: { offeringId: string; quoteId: string; expiresAt: Date; schedule: ScheduleLine[] },
  quoteIdFrom?: string,
): SqlPart {
  return {
    sql: `insert into reservation (offering_id, month, kind, units, quote_id, phase, expires_at)
          select ?, m, 'HELD', u, ${quoteIdFrom ? `${quoteIdFrom}.id` : '?'}, p, ? from ${quoteIdFrom ? `${quoteIdFrom}, ` : ''}unnest(?::date[], ?::int[], ?::text[]) as x(m, u, p)
           where (select ok from fits)`,
    params: [
      h.offeringId,
      ...(quoteIdFrom ? [] : [h.quoteId]),
      h.expiresAt,
      pgArray(h.schedule.map((l) => `${l.month}-01`)),
      pgArray(h.schedule.map((l) => String(l.units))),
      pgArray(h.schedule.map((l) => l.phase ?? 'NULL')),
    ],
  };
}

/** Places one hold per schedule month for a quote (one statement), or refuses naming every short month. */
export async function placeHolds(
  em: EntityManager,
  h: { offeringId: string; quoteId: string; expiresAt: Date; schedule: ScheduleLine[] },
): Promise<void> {
  refuseUnlessPlaced(
    await executeWith(em, [...holdsFitCtes(h.offeringId, h.schedule), ['h', holdsInsert(h)]], {
      sql: fitResult(),
      params: [],
    }),
  );
}

/** Releases every active hold of a quote (withdrawn, declined, superseded or lost to another quote). */
export async function releaseQuoteHolds(em: EntityManager, quoteId: string): Promise<void> {
  await lockReservedMonths(em, { quoteIds: [quoteId] });
  await em.execute(
    `update reservation set status = 'RELEASED', released_at = now() where quote_id = ? and status = 'ACTIVE'`,
    [quoteId],
  );
}

/**
 * Turns an accepted quote's holds into the engagement's reservations: months of the engagement's
 * current phase become committed, later phases conditional. SQL for the acceptance statement, after
 * its `lockMonthsCtes` (joined, so the months are locked first) and the CTE that inserts the engagement.
 */
export function convertHoldsToEngagement(
  quoteId: string,
  engagementFrom: string,
  committedPhase: EngagementPhase,
): SqlPart {
  return {
    sql: `update reservation set kind = case when phase = ? then 'COMMITTED' else 'CONDITIONAL' end,
                 engagement_id = ${engagementFrom}.id, expires_at = null
            from ${engagementFrom}, locked where quote_id = ? and status = 'ACTIVE' and kind = 'HELD'`,
    params: [committedPhase, quoteId],
  };
}

/** An engagement entered `phase`: its conditional units of that phase become committed. */
export async function commitPhase(em: EntityManager, engagementId: string, phase: EngagementPhase): Promise<void> {
  await lockReservedMonths(em, { engagementId });
  await em.execute(
    `update reservation set kind = 'COMMITTED' where engagement_id = ? and status = 'ACTIVE' and kind = 'CONDITIONAL' and phase = ?`,
    [engagementId, phase],
  );
}

/** Releases an engagement's reservations from `fromMonth` on (termination). */
export async function releaseEngagementFrom(em: EntityManager, engagementId: string, fromMonth: string): Promise<void> {
  await lockReservedMonths(em, { engagementId });
  await em.execute(
    `update reservation set status = 'RELEASED', released_at = now() where engagement_id = ? and status = 'ACTIVE' and month >= ?::date`,
    [engagementId, `${fromMonth}-01`],
  );
}
