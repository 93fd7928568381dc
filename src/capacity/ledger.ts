// The reservation ledger: holds for quotes, committed and conditional units for engagements.
// Every function runs inside the caller's transaction and is all-or-nothing across a schedule.
// PostgreSQL keeps the counters (trigger) and refuses overselling (CHECK); we lock first so
// that the refusal is a clear userError rather than a constraint violation.
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserError, UserErrorCode, UserErrors } from '../shared/errors';
import { lockOfferingMonthsReleasingExpiredHolds, lockReservedMonths, pgArray, type LockedMonth } from '../db/locks';
import type { SqlPart } from '../shared/write-model';
import { prepared } from '../db/prepared';
import { metrics } from '../server/metrics';

export type EngagementPhase = 'PILOT' | 'EXPANSION' | 'STEADY';

export interface ScheduleLine {
  month: string; // YYYY-MM
  units: number;
  phase?: EngagementPhase;
}

export const reservedUnits = (m: Pick<LockedMonth, 'heldUnits' | 'committedUnits' | 'conditionalUnits'>) =>
  m.heldUnits + m.committedUnits + m.conditionalUnits;
export const availableUnits = (m: LockedMonth) => Math.max(0, m.sellableUnits - reservedUnits(m));

/**
 * Releases holds past their expiry in months the caller has locked, and returns the locked
 * months with counters net of them: an expired hold stops counting at once, whether or not the
 * sweeper has run.
 */
export async function releaseExpiredHolds(em: EntityManager, months: LockedMonth[]): Promise<LockedMonth[]> {
  if (!months.length) return months;
  const released = await em.execute<{ offeringId: string; month: string; units: number }[]>(
    `update reservation set status = 'EXPIRED', released_at = now()
      where status = 'ACTIVE' and kind = 'HELD' and expires_at <= now()
        and (offering_id, month) in (select * from unnest(?::uuid[], ?::date[]))
      returning offering_id as "offeringId", to_char(month, 'YYYY-MM') as month, units`,
    [pgArray(months.map((m) => m.offeringId)), pgArray(months.map((m) => `${m.month}-01`))],
  );
  return months.map((m) => ({
    ...m,
    heldUnits: m.heldUnits - released.filter((r) => r.offeringId === m.offeringId && r.month === m.month).reduce((s, r) => s + r.units, 0),
  }));
}

/**
 * Locks the months of a schedule for new holds, releasing expired holds in them (one statement),
 * and refuses naming every month short of capacity. Nothing is held yet: see `holdsInsert`.
 */
export async function assertHoldsFit(em: EntityManager, offeringId: string, schedule: ScheduleLine[]): Promise<void> {
  const months = await lockOfferingMonthsReleasingExpiredHolds(em, offeringId, schedule.map((l) => l.month));
  const byMonth = new Map(months.map((m) => [m.month, m]));
  const short = schedule
    .map((line) => ({ line, available: byMonth.has(line.month) ? availableUnits(byMonth.get(line.month)!) : 0 }))
    .filter(({ line, available }) => line.units > available);
  if (short.length) {
    metrics.reservationConflicts.inc();
    throw new UserErrors(
      short.map(({ line, available }) =>
        new UserError(UserErrorCode.CAPACITY_EXCEEDED, `${line.month}: requested ${line.units} units, ${available} available.`, 'schedule'),
      ),
    );
  }
}

/**
 * One HELD reservation per schedule month, as SQL to run after `assertHoldsFit` in the same
 * transaction; `quoteIdFrom` names a CTE with the quote's `id` when the quote is inserted in the same statement.
 */
export function holdsInsert(h: { offeringId: string; quoteId: string; expiresAt: Date; schedule: ScheduleLine[] }, quoteIdFrom?: string): SqlPart {
  return {
    sql: `insert into reservation (offering_id, month, kind, units, quote_id, phase, expires_at)
          select ?, m, 'HELD', u, ${quoteIdFrom ? `${quoteIdFrom}.id` : '?'}, p, ? from ${quoteIdFrom ? `${quoteIdFrom}, ` : ''}unnest(?::date[], ?::int[], ?::text[]) as x(m, u, p)`,
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

/** Places one hold per schedule month for a quote, or refuses naming every short month. */
export async function placeHolds(
  em: EntityManager,
  h: { offeringId: string; quoteId: string; expiresAt: Date; schedule: ScheduleLine[] },
): Promise<void> {
  await assertHoldsFit(em, h.offeringId, h.schedule);
  const insert = holdsInsert(h);
  await prepared(em, insert.sql, insert.params);
}

/** Releases every active hold of a quote (withdrawn, declined, superseded or lost to another quote). */
export async function releaseQuoteHolds(em: EntityManager, quoteId: string): Promise<void> {
  await lockReservedMonths(em, { quoteId });
  await em.execute(`update reservation set status = 'RELEASED', released_at = now() where quote_id = ? and status = 'ACTIVE'`, [quoteId]);
}

/**
 * Turns an accepted quote's holds into the engagement's reservations: months of the engagement's
 * current phase become committed, later phases conditional. SQL for the acceptance statement; the
 * caller holds the months locked and names the CTE that inserts the engagement.
 */
export function convertHoldsToEngagement(quoteId: string, engagementFrom: string, committedPhase: EngagementPhase): SqlPart {
  return {
    sql: `update reservation set kind = case when phase = ? then 'COMMITTED' else 'CONDITIONAL' end,
                 engagement_id = ${engagementFrom}.id, expires_at = null
            from ${engagementFrom} where quote_id = ? and status = 'ACTIVE' and kind = 'HELD'`,
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
