// The global lock order, and the generic row locks. One order everywhere, so no deadlocks:
//   1. the provider's organization row, 2. the need, 3. quotes (several: in id order, in one statement), 4. the engagement,
//   5. capacity_month rows, in (offering_id, month) order and all in ONE statement per transaction
//      (a transaction that needs more months later re-locks a subset of what it holds).
// Domains keep their own lock queries beside them, in this order: the provider's row and the capacity
// months in src/capacity/capacity.locks.ts, the acceptance's quotes in src/quotes/quote.acceptance.ts.
// Rows other rows reference (organization, need) are locked FOR NO KEY UPDATE, never FOR UPDATE: FOR
// UPDATE also blocks the KEY SHARE lock every insert referencing the row takes (foreign key check), so a
// quote insert by a transaction holding capacity months waited for an acceptance holding the provider's
// row and waiting for those months: a deadlock outside the order above.
// A statement that locks a row reads the row as it is after the lock, but every other row (subqueries,
// counts) as of the statement's start, possibly before a wait for that lock: what must be read under a
// lock is read by a later statement of the transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import { GENERIC_PLANS_FOR_TRANSACTION, pgArray, prepared } from './prepared';

/**
 * Issuing: locks the need and reads it whole, with the offering's columns (`offering.<column>`, all
 * null when there is no such offering) in one statement. The offering is not locked (as everywhere:
 * its publication and prices are read as of now). Statements after it run on generic plans.
 * Only a caller acting for the offering's provider (`sellerIds`; null: the operator) locks the need:
 * for anyone else nothing is returned or locked.
 */
export async function lockNeedReadingOffering(
  em: EntityManager,
  needId: string,
  offeringId: string | null,
  offeringColumns: string,
  sellerIds: string[] | null,
): Promise<Record<string, unknown> | null> {
  const rows = await prepared(
    em,
    `select n.*, ${GENERIC_PLANS_FOR_TRANSACTION}, ${offeringColumns} from need n left join offering o on o.id = ?
      where n.id = ? and (?::uuid[] is null or o.provider_id = any(?::uuid[])) for no key update of n`,
    [offeringId, needId, sellerIds && pgArray(sellerIds), sellerIds && pgArray(sellerIds)],
  );
  return rows[0] ?? null;
}

/**
 * Locks a need (serializes acceptances, issues and revisions on it) and reads it whole. It opens those
 * transactions: the statements after it run on generic plans.
 */
export async function lockNeed(em: EntityManager, needId: string): Promise<Record<string, unknown> | null> {
  const rows = await prepared(
    em,
    `select *, ${GENERIC_PLANS_FOR_TRANSACTION} from need where id = ? for no key update`,
    [needId],
  );
  return rows[0] ?? null;
}

/** Locks a quote. */
export async function lockQuote(
  em: EntityManager,
  quoteId: string,
): Promise<{ id: string; status: string; expiresAt: Date } | null> {
  const rows = await prepared<{ id: string; status: string; expiresAt: Date }>(
    em,
    `select id, status, expires_at as "expiresAt" from quote where id = ? for update`,
    [quoteId],
  );
  return rows[0] ?? null;
}

/** Locks an engagement. */
export async function lockEngagement(em: EntityManager, engagementId: string): Promise<{ id: string } | null> {
  const rows = await prepared<{ id: string }>(em, `select id from engagement where id = ? for update`, [engagementId]);
  return rows[0] ?? null;
}

/** Transaction-scoped advisory lock: true for exactly one caller at a time across instances. */
export async function tryAdvisoryLock(em: EntityManager, key: number): Promise<boolean> {
  const [row] = await prepared<{ locked: boolean }>(em, 'select pg_try_advisory_xact_lock(?) as locked', [key]);
  return row.locked;
}
