// Quote status changes that release capacity, shared by quotes, needs and the sweeper.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Quote, QuoteStatus } from './quote.entity';
import { releaseQuoteHolds } from '../capacity/ledger';
import { pgArray, prepared } from '../db/prepared';
import { lockMonths, lockReservedMonths } from '../capacity/capacity.locks';
import { auditEvent, recordAudit } from '../audit/audit.service';
import type { AuditEvent } from '../audit/audit-event.entity';
import type { Actor } from '../access/context';

/** The audit action (and event type) of a quote entering `status`: `quote.expired`, `quote.notAwarded`, ... */
export const quoteAction = (status: QuoteStatus) =>
  `quote.${status.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}`;

/** Why a quote left ISSUED, as both parties read it in `Quote.closedReason` (a need's changes: needs/need.service.ts). */
export const CLOSED_REASONS = {
  notAwarded: 'The buyer accepted another quote on this need.',
  lapsed: 'The quote lapsed at its expiry.',
  declined: 'Declined by the buyer.',
  withdrawn: 'Withdrawn by the provider.',
  superseded: (version: number) => `Replaced by version ${version}.`,
} as const;

/** Moves an ISSUED quote to a final status, with the reason both parties read, and releases its holds. */
export async function closeQuote(
  ctx: Actor,
  em: EntityManager,
  quote: Quote,
  to: QuoteStatus,
  closedReason: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const from = quote.storedStatus;
  quote.storedStatus = to;
  quote.closedReason = closedReason;
  await releaseQuoteHolds(em, quote.id);
  recordAudit(ctx, em, {
    action: quoteAction(to),
    entityType: 'Quote',
    entityId: quote.id,
    partyIds: [quote.providerId, quote.buyerId],
    buyerIds: [quote.buyerId],
    before: { status: from },
    after: { status: to, closedReason, ...extra },
  });
}

/**
 * Closes every ISSUED quote of a need (the need was cancelled, or changed what was priced) as EXPIRED
 * with `closedReason`, releasing their holds. Call with the need locked: the quotes are locked in id
 * order, then their capacity months, as acceptance does. Each provider gets a quote event.
 */
export async function closeQuotesOfNeed(
  ctx: Actor,
  em: EntityManager,
  needId: string,
  closedReason: string,
): Promise<Quote[]> {
  const rows = await prepared<{ id: string }>(
    em,
    `select id from quote where need_id = ? and status = 'ISSUED' order by id for update`,
    [needId],
  );
  if (!rows.length) return [];
  const live = await em.find(Quote, { id: { $in: rows.map((r) => r.id) } }, { orderBy: { id: 'asc' } });
  await lockMonths(
    em,
    live.flatMap((q) => q.schedule.map((l) => ({ offeringId: q.offeringId, month: l.month }))),
  );
  for (const q of live) await closeQuote(ctx, em, q, QuoteStatus.EXPIRED, closedReason);
  return live;
}

/**
 * Acceptance: every other live quote of the need lost (NOT_AWARDED, with the reason); one already past
 * its expiry (the sweeper had not reached it) did not lose, it lapsed (EXPIRED, as it already read).
 * Their holds are released, in one statement (the caller holds the need, those quotes and their
 * months locked). Returns their audit events, for the caller to write with its own.
 */
export async function expireQuotesOfNeed(
  ctx: Actor,
  em: EntityManager,
  needId: string,
  keep: string,
): Promise<AuditEvent[]> {
  const closed = await prepared<{
    id: string;
    provider_id: string;
    buyer_id: string;
    status: QuoteStatus;
    closed_reason: string;
  }>(
    em,
    `with q as (
       update quote
          set status = case when expires_at > now() then 'NOT_AWARDED' else 'EXPIRED' end,
              closed_reason = case when expires_at > now() then ? else ? end, updated_at = now()
        where need_id = ? and status = 'ISSUED' and id <> ?
       returning id, provider_id, buyer_id, status, closed_reason),
     r as (update reservation set status = 'RELEASED', released_at = now() where quote_id in (select id from q) and status = 'ACTIVE')
     select * from q order by id`,
    [CLOSED_REASONS.notAwarded, CLOSED_REASONS.lapsed, needId, keep],
  );
  return closed.map((q) =>
    auditEvent(ctx, {
      action: quoteAction(q.status),
      entityType: 'Quote',
      entityId: q.id,
      partyIds: [q.provider_id, q.buyer_id],
      buyerIds: [q.buyer_id],
      before: { status: QuoteStatus.ISSUED },
      after: { status: q.status, closedReason: q.closed_reason },
    }),
  );
}

/**
 * Sweeper hook: ISSUED quotes past their expiry become EXPIRED and their holds are released, with
 * their audit events. In the global lock order, one statement per set: the lapsed quotes (id order,
 * skipping any a user holds right now; the next sweep gets those), then their held months, then the
 * change (the reservation trigger updates months this transaction already holds).
 */
export async function expireLapsedQuotes(em: EntityManager): Promise<void> {
  const lapsed = await prepared<{ id: string }>(
    em,
    `select id from quote where status = 'ISSUED' and expires_at <= now() order by id limit ? for update skip locked`,
    [500],
  );
  if (!lapsed.length) return;
  const ids = lapsed.map((q) => q.id);
  await lockReservedMonths(em, { quoteIds: ids });
  const expired = await prepared<{ id: string; provider_id: string; buyer_id: string }>(
    em,
    `with q as (update quote set status = 'EXPIRED', closed_reason = ?, updated_at = now() where id = any(?::uuid[]) returning id, provider_id, buyer_id),
     r as (update reservation set status = 'RELEASED', released_at = now() where quote_id in (select id from q) and status = 'ACTIVE')
     select * from q order by id`,
    [CLOSED_REASONS.lapsed, pgArray(ids)],
  );
  const system = { viewer: null, requestId: 'hold-sweeper' };
  for (const q of expired) {
    recordAudit(system, em, {
      action: 'quote.expired',
      entityType: 'Quote',
      entityId: q.id,
      partyIds: [q.provider_id, q.buyer_id],
      buyerIds: [q.buyer_id],
      before: { status: QuoteStatus.ISSUED },
      after: { status: QuoteStatus.EXPIRED, closedReason: CLOSED_REASONS.lapsed },
    });
  }
}
