// The capacity domain's row locks, in the global order (src/db/locks.ts): the provider's organization
// row (phase changes, engagement slots) first, capacity months last, in (offering_id, month) order
// and all in one statement per transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PhaseDefinition } from '../organizations/phase-policy';
import { pgArray, prepared } from '../db/prepared';
import type { SqlPart } from '../db/write-model';
import { expiredHold } from './availability';

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

const MONTH_COLUMNS = `c.offering_id as "offeringId", to_char(c.month, 'YYYY-MM') as month, c.total_units as "totalUnits",
  c.sellable_units as "sellableUnits", c.held_units as "heldUnits", c.committed_units as "committedUnits", c.conditional_units as "conditionalUnits"`;

/** Locks a provider's organization row (phase changes, engagement slots). */
export async function lockProvider(em: EntityManager, providerId: string): Promise<LockedProvider | null> {
  const rows = await prepared<LockedProvider>(
    em,
    `select id, phase_policy as "phasePolicy", current_phase as "currentPhase", phase_entered_at as "phaseEnteredAt"
       from organization where id = ? for no key update`,
    [providerId],
  );
  return rows[0] ?? null;
}

const GIVEN_MONTHS = `(c.offering_id, c.month) in (select * from unnest(?::uuid[], ?::date[])) order by c.offering_id, c.month for update`;
const givenMonths = (months: { offeringId: string; month: string }[]) => [
  pgArray(months.map((m) => m.offeringId)),
  pgArray(months.map((m) => `${m.month}-01`)),
];

/** Locks the given capacity months (those that exist) of any offerings, in (offering_id, month) order. */
export async function lockMonths(
  em: EntityManager,
  months: { offeringId: string; month: string }[],
): Promise<LockedMonth[]> {
  return prepared<LockedMonth>(
    em,
    `select ${MONTH_COLUMNS} from capacity_month c where ${GIVEN_MONTHS}`,
    givenMonths(months),
  );
}

/**
 * `lockMonths` as CTEs of a writing statement: `c` locks the months (none if `onlyIf`, SQL on earlier
 * CTEs, is false), `locked` (one row, their count) reads all of `c`; a later CTE that joins `locked`
 * changes rows only once every month is locked (counters change at the end of the statement, in the
 * reservation trigger).
 */
export function lockMonthsCtes(months: { offeringId: string; month: string }[], onlyIf = 'true'): [string, SqlPart][] {
  return [
    [
      'c',
      {
        sql: `select c.offering_id, c.month from capacity_month c where ${onlyIf} and ${GIVEN_MONTHS}`,
        params: givenMonths(months),
      },
    ],
    ['locked', { sql: 'select count(*) as months from c', params: [] }],
  ];
}

/** Locks the capacity months of one offering (those that exist), in month order. */
export function lockOfferingMonths(em: EntityManager, offeringId: string, months: string[]): Promise<LockedMonth[]> {
  return lockMonths(
    em,
    months.map((month) => ({ offeringId, month })),
  );
}

/**
 * The first CTEs of a statement that places holds (see capacity/ledger `placeHolds`): `c` locks the
 * capacity months of one offering (those that exist) in month order, `released` releases their holds
 * past expiry. Later CTEs read `c` for the counters as they were locked, net of `released` (the
 * trigger lowers the stored counters at the end of the statement). With `onlyIf` (SQL on earlier
 * CTEs) false, nothing is locked.
 */
export function lockOfferingMonthsReleasingExpiredHolds(
  offeringId: string,
  months: string[],
  onlyIf = 'true',
): [string, SqlPart][] {
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
               where ${expiredHold('r')} and r.offering_id = ? and r.month in (select month from c)
              returning r.month, r.units`,
        params: [offeringId],
      },
    ],
  ];
}

/** Locks the capacity months that hold ACTIVE reservations of some quotes or of an engagement. */
export async function lockReservedMonths(
  em: EntityManager,
  by: { quoteIds?: string[]; engagementId?: string },
): Promise<LockedMonth[]> {
  const [column, ids] = by.quoteIds ? ['quote_id', by.quoteIds] : ['engagement_id', [by.engagementId!]];
  return prepared<LockedMonth>(
    em,
    `select ${MONTH_COLUMNS} from capacity_month c
      where (c.offering_id, c.month) in (select r.offering_id, r.month from reservation r where r.${column} = any(?::uuid[]) and r.status = 'ACTIVE')
      order by c.offering_id, c.month for update`,
    [pgArray(ids)],
  );
}

/** Locks every capacity month of a provider from `fromMonth` on (phase and policy changes). */
export async function lockProviderMonths(
  em: EntityManager,
  providerId: string,
  fromMonth: string,
): Promise<LockedMonth[]> {
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
         where ${expiredHold('r')} limit ?)
      order by c.offering_id, c.month for update`,
    [limit],
  );
}
