// Every row-lock query of the exchange lives here. One order everywhere, so no deadlocks:
//   1. the provider's organization row, 2. the need, 3. quotes (several: in id order, in one statement), 4. the engagement,
//   5. capacity_month rows, in (offering_id, month) order and all in ONE statement per transaction
//      (a transaction that needs more months later re-locks a subset of what it holds).
// A statement that locks a row reads the row as it is after the lock, but every other row (subqueries,
// counts) as of the statement's start, possibly before a wait for that lock: what must be read under a
// lock is read by a later statement of the transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PhaseDefinition } from '../capacity/phase-policy';
import { GENERIC_PLANS_FOR_TRANSACTION, prepared } from './prepared';
import type { SqlPart } from '../shared/write-model';

export interface LockedMonth {
  offeringId: string;
  month: string; // YYYY-MM
  totalUnits: number;
  sellableUnits: number;
  heldUnits: number;
  committedUnits: number;
  conditionalUnits: number;
}

export interface LockedProvider {
  id: string;
  phasePolicy: PhaseDefinition[];
  currentPhase: number;
  phaseEnteredAt: Date;
}

/** PostgreSQL array literal of values we produced ourselves (UUIDs, dates). */
export const pgArray = (values: string[]) => `{${values.join(',')}}`;

const MONTH_COLUMNS = `c.offering_id as "offeringId", to_char(c.month, 'YYYY-MM') as month, c.total_units as "totalUnits",
  c.sellable_units as "sellableUnits", c.held_units as "heldUnits", c.committed_units as "committedUnits", c.conditional_units as "conditionalUnits"`;

/** Locks a provider's organization row (phase changes, engagement slots). */
export async function lockProvider(em: EntityManager, providerId: string): Promise<LockedProvider | null> {
  const rows = await prepared<LockedProvider>(
    em,
    `select id, phase_policy as "phasePolicy", current_phase as "currentPhase", phase_entered_at as "phaseEnteredAt"
       from organization where id = ? for update`,
    [providerId],
  );
  return rows[0] ?? null;
}

/** What acceptance needs of a quote, its provider and its need, read under the provider's and the need's locks. */
export interface AcceptanceParties {
  /** The quote's row; its status may predate the locks (see acceptanceCtes), its other columns never change. */
  quoteRow: Record<string, unknown>;
  provider: Pick<LockedProvider, 'phasePolicy' | 'currentPhase'>;
  need: { id: string; status: string; buyerId: string; categoryCode: string };
  /**
   * Whether other quotes of the need were live as of the statement's snapshot, which may predate the
   * need's lock: one issued while this statement waited for it is only seen by the acceptance statement.
   */
  rivalsSeen: boolean;
}

/**
 * Acceptance: reads a quote and locks its provider's organization row, then its need, in one
 * statement (row marks are locked in the order listed: provider, need); the provider's and the need's
 * columns are read after their locks. The statements after it run on generic plans.
 */
export async function lockPartiesOfQuote(em: EntityManager, quoteId: string): Promise<AcceptanceParties | null> {
  const [row] = await prepared(
    em,
    `select q.*, o.phase_policy as "provider.phase_policy", o.current_phase as "provider.current_phase",
            n.status as "need.status", n.buyer_id as "need.buyer_id", n.category_code as "need.category_code", ${GENERIC_PLANS_FOR_TRANSACTION},
            exists (select 1 from quote r where r.need_id = q.need_id and r.status = 'ISSUED' and r.id <> q.id) as "rivals_seen"
       from quote q join organization o on o.id = q.provider_id join need n on n.id = q.need_id
      where q.id = ? for update of o, n`,
    [quoteId],
  );
  return row
    ? {
        quoteRow: row,
        provider: { phasePolicy: row['provider.phase_policy'] as PhaseDefinition[], currentPhase: row['provider.current_phase'] as number },
        need: { id: row.need_id as string, status: row['need.status'] as string, buyerId: row['need.buyer_id'] as string, categoryCode: row['need.category_code'] as string },
        rivalsSeen: row.rivals_seen as boolean,
      }
    : null;
}

/** A quote and every other quote of its need still marked ISSUED, locked in id order (acceptance). */
const QUOTES_OF_ACCEPTANCE = `q.need_id = ? and (q.status = 'ISSUED' or q.id = ?) order by q.id for update`;

/** What the acceptance statement found under its locks (`acceptanceCtes`), and whether it accepted. */
export interface AcceptanceFacts {
  /** The quote's stored status, and whether its expiry is still ahead. */
  status: string;
  live: boolean;
  /** Other quotes of the need still marked ISSUED (they must expire first). */
  rivals: number;
  /** The provider's engagements that take a phase slot. */
  active_engagements: number;
  ok: boolean;
}

/**
 * The first CTEs of the acceptance statement (its second, after `lockPartiesOfQuote`): `qq` locks the
 * quote and every other quote of its need still marked ISSUED, in id order; `facts` reads them, with
 * the provider's engagements that take a phase slot (this statement's snapshot follows the provider's
 * and the need's locks, under which every such engagement is created and every quote on the need is
 * issued); `go` (ok) holds when the acceptance may proceed. Later CTEs write only if `go`.
 */
export function acceptanceCtes(a: { needId: string; quoteId: string; providerId: string; needOpen: boolean; maxActiveEngagements: number | null }): [string, SqlPart][] {
  return [
    ['qq', { sql: `select q.id, q.status, q.expires_at from quote q where ${QUOTES_OF_ACCEPTANCE}`, params: [a.needId, a.quoteId] }],
    [
      'facts',
      {
        sql: `select (select status from qq where id = ?) as status,
                     coalesce((select expires_at > clock_timestamp() from qq where id = ?), false) as live,
                     (select count(*)::int from qq where status = 'ISSUED' and id <> ?) as rivals,
                     (select count(*)::int from engagement e where e.provider_id = ? and e.status in ('PENDING_BAA', 'ACTIVE')) as active_engagements`,
        params: [a.quoteId, a.quoteId, a.quoteId, a.providerId],
      },
    ],
    [
      'go',
      {
        sql: `select f.status = 'ISSUED' and f.live and f.rivals = 0 and ?::boolean and (?::int is null or f.active_engagements < ?::int) as ok from facts f`,
        params: [a.needOpen, a.maxActiveEngagements, a.maxActiveEngagements],
      },
    ],
  ];
}

/**
 * Issuing: locks the need and reads it whole, with the offering's columns (`offering.<column>`, all
 * null when there is no such offering) in one statement. The offering is not locked (as everywhere:
 * its publication and prices are read as of now). Statements after it run on generic plans.
 */
export async function lockNeedReadingOffering(em: EntityManager, needId: string, offeringId: string | null, offeringColumns: string): Promise<Record<string, unknown> | null> {
  const rows = await prepared(em, `select n.*, ${GENERIC_PLANS_FOR_TRANSACTION}, ${offeringColumns} from need n left join offering o on o.id = ? where n.id = ? for update of n`, [offeringId, needId]);
  return rows[0] ?? null;
}

/**
 * Locks a need (serializes acceptances, issues and revisions on it) and reads it whole. It opens those
 * transactions: the statements after it run on generic plans.
 */
export async function lockNeed(em: EntityManager, needId: string): Promise<Record<string, unknown> | null> {
  const rows = await prepared(em, `select *, ${GENERIC_PLANS_FOR_TRANSACTION} from need where id = ? for update`, [needId]);
  return rows[0] ?? null;
}

/**
 * Acceptance with rival quotes: locks the quote and every other quote of its need still marked ISSUED
 * (the only ones that can hold capacity on an open need, and the ones acceptance expires), in id order,
 * and reads them whole. Call with the provider and the need locked.
 */
export async function lockQuotesOfAcceptance(em: EntityManager, needId: string, quoteId: string): Promise<Record<string, unknown>[]> {
  return prepared(em, `select q.* from quote q where ${QUOTES_OF_ACCEPTANCE}`, [needId, quoteId]);
}

/** Locks a quote. */
export async function lockQuote(em: EntityManager, quoteId: string): Promise<{ id: string; status: string; expiresAt: Date } | null> {
  const rows = await prepared<{ id: string; status: string; expiresAt: Date }>(em, `select id, status, expires_at as "expiresAt" from quote where id = ? for update`, [quoteId]);
  return rows[0] ?? null;
}

/** Locks ISSUED quotes past their expiry that nobody else holds (the sweeper skips busy ones). */
export async function lockLapsedQuotes(em: EntityManager, limit: number): Promise<string[]> {
  const rows = await prepared<{ id: string }>(
    em,
    `select id from quote where status = 'ISSUED' and expires_at <= now() order by id limit ? for update skip locked`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/** Locks an engagement. */
export async function lockEngagement(em: EntityManager, engagementId: string): Promise<{ id: string } | null> {
  const rows = await prepared<{ id: string }>(em, `select id from engagement where id = ? for update`, [engagementId]);
  return rows[0] ?? null;
}

const GIVEN_MONTHS = `(c.offering_id, c.month) in (select * from unnest(?::uuid[], ?::date[])) order by c.offering_id, c.month for update`;
const givenMonths = (months: { offeringId: string; month: string }[]) => [pgArray(months.map((m) => m.offeringId)), pgArray(months.map((m) => `${m.month}-01`))];

/** Locks the given capacity months (those that exist) of any offerings, in (offering_id, month) order. */
export async function lockMonths(em: EntityManager, months: { offeringId: string; month: string }[]): Promise<LockedMonth[]> {
  return prepared<LockedMonth>(em, `select ${MONTH_COLUMNS} from capacity_month c where ${GIVEN_MONTHS}`, givenMonths(months));
}

/**
 * `lockMonths` as CTEs of a writing statement: `c` locks the months (none if `onlyIf`, SQL on earlier
 * CTEs, is false), `locked` (one row, their count) reads all of `c`; a later CTE that joins `locked`
 * changes rows only once every month is locked (counters change at the end of the statement, in the
 * reservation trigger).
 */
export function lockMonthsCtes(months: { offeringId: string; month: string }[], onlyIf = 'true'): [string, SqlPart][] {
  return [
    ['c', { sql: `select c.offering_id, c.month from capacity_month c where ${onlyIf} and ${GIVEN_MONTHS}`, params: givenMonths(months) }],
    ['locked', { sql: 'select count(*) as months from c', params: [] }],
  ];
}

/** Locks the capacity months of one offering (those that exist), in month order. */
export function lockOfferingMonths(em: EntityManager, offeringId: string, months: string[]): Promise<LockedMonth[]> {
  return lockMonths(em, months.map((month) => ({ offeringId, month })));
}

/**
 * The first CTEs of a statement that places holds (see capacity/ledger `placeHolds`): `c` locks the
 * capacity months of one offering (those that exist) in month order, `released` releases their holds
 * past expiry. Later CTEs read `c` for the counters as they were locked, net of `released` (the
 * trigger lowers the stored counters at the end of the statement). With `onlyIf` (SQL on earlier
 * CTEs) false, nothing is locked.
 */
export function lockOfferingMonthsReleasingExpiredHolds(offeringId: string, months: string[], onlyIf = 'true'): [string, SqlPart][] {
  return [
    [
      'c',
      {
        sql: `select * from capacity_month c where c.offering_id = ? and c.month = any(?::date[]) and ${onlyIf} order by c.offering_id, c.month for update`,
        params: [offeringId, pgArray(months.map((m) => `${m}-01`))],
      },
    ],
    [
      'released',
      {
        sql: `update reservation r set status = 'EXPIRED', released_at = now()
               where r.status = 'ACTIVE' and r.kind = 'HELD' and r.expires_at <= now() and r.offering_id = ? and r.month in (select month from c)
              returning r.month, r.units`,
        params: [offeringId],
      },
    ],
  ];
}

/** Locks the capacity months that hold ACTIVE reservations of a quote or an engagement. */
export async function lockReservedMonths(em: EntityManager, by: { quoteId?: string; engagementId?: string }): Promise<LockedMonth[]> {
  const [column, id] = by.quoteId ? ['quote_id', by.quoteId] : ['engagement_id', by.engagementId!];
  return prepared<LockedMonth>(
    em,
    `select ${MONTH_COLUMNS} from capacity_month c
      where (c.offering_id, c.month) in (select r.offering_id, r.month from reservation r where r.${column} = ? and r.status = 'ACTIVE')
      order by c.offering_id, c.month for update`,
    [id],
  );
}

/** Locks every capacity month of a provider from `fromMonth` on (phase and policy changes). */
export async function lockProviderMonths(em: EntityManager, providerId: string, fromMonth: string): Promise<LockedMonth[]> {
  return prepared<LockedMonth>(
    em,
    `select ${MONTH_COLUMNS} from capacity_month c join offering o on o.id = c.offering_id
      where o.provider_id = ? and c.month >= ?::date
      order by c.offering_id, c.month for update of c`,
    [providerId, `${fromMonth}-01`],
  );
}

/** Locks capacity months that hold expired, not yet released holds (the sweeper), at most `limit`. */
export async function lockMonthsWithExpiredHolds(em: EntityManager, limit: number): Promise<LockedMonth[]> {
  return prepared<LockedMonth>(
    em,
    `select ${MONTH_COLUMNS} from capacity_month c
      where (c.offering_id, c.month) in (
        select r.offering_id, r.month from reservation r
         where r.status = 'ACTIVE' and r.kind = 'HELD' and r.expires_at <= now() limit ?)
      order by c.offering_id, c.month for update`,
    [limit],
  );
}

/** Transaction-scoped advisory lock: true for exactly one caller at a time across instances. */
export async function tryAdvisoryLock(em: EntityManager, key: number): Promise<boolean> {
  const [row] = await prepared<{ locked: boolean }>(em, 'select pg_try_advisory_xact_lock(?) as locked', [key]);
  return row.locked;
}
