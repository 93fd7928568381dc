// Quote status changes that release capacity, shared by quotes, needs and the sweeper.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Quote, QuoteStatus } from './quote.entity';
import { releaseQuoteHolds } from '../capacity/ledger';
import { prepared } from '../db/prepared';
import { auditEvent, recordAudit } from '../audit/audit.service';
import type { AuditEvent } from '../audit/audit-event.entity';
import type { Context } from '../shared/context';

type Actor = Pick<Context, 'viewer' | 'requestId'>;

/** Moves an ISSUED quote to a final status and releases its holds. */
export async function closeQuote(ctx: Actor, em: EntityManager, quote: Quote, to: QuoteStatus, extra: Record<string, unknown> = {}): Promise<void> {
  const from = quote.storedStatus;
  quote.storedStatus = to;
  await releaseQuoteHolds(em, quote.id);
  recordAudit(ctx, em, {
    action: `quote.${to.toLowerCase()}`,
    entityType: 'Quote',
    entityId: quote.id,
    partyIds: [quote.providerId, quote.buyerId],
    buyerIds: [quote.buyerId],
    before: { status: from },
    after: { status: to, ...extra },
  });
}

/** Expires every ISSUED quote on a need except `keep` (the need was awarded or cancelled). */
export async function closeQuotesOfNeed(ctx: Actor, em: EntityManager, needId: string, keep: string | null): Promise<Quote[]> {
  const live = await em.find(Quote, { needId, storedStatus: QuoteStatus.ISSUED, ...(keep ? { id: { $ne: keep } } : {}) });
  for (const q of live) await closeQuote(ctx, em, q, QuoteStatus.EXPIRED);
  return live;
}

/**
 * Acceptance: expires every quote of a need still ISSUED except `keep` and releases their holds, in
 * one statement (the caller holds the need, those quotes and their months locked). Returns their audit events, for
 * the caller to write with its own.
 */
export async function expireQuotesOfNeed(ctx: Actor, em: EntityManager, needId: string, keep: string): Promise<AuditEvent[]> {
  const expired = await prepared<{ id: string; provider_id: string; buyer_id: string }>(
    em,
    `with q as (
       update quote set status = 'EXPIRED', updated_at = now() where need_id = ? and status = 'ISSUED' and id <> ?
       returning id, provider_id, buyer_id),
     r as (update reservation set status = 'RELEASED', released_at = now() where quote_id in (select id from q) and status = 'ACTIVE')
     select * from q order by id`,
    [needId, keep],
  );
  return expired.map((q) =>
    auditEvent(ctx, { action: 'quote.expired', entityType: 'Quote', entityId: q.id, partyIds: [q.provider_id, q.buyer_id], buyerIds: [q.buyer_id], before: { status: QuoteStatus.ISSUED }, after: { status: QuoteStatus.EXPIRED } }),
  );
}

/**
 * Sweeper hook: ISSUED quotes past their expiry become EXPIRED and their holds are released, in one
 * statement for the whole set (quotes locked in id order, skipping any a user holds right now; the
 * next sweep gets those), with their audit events.
 */
export async function expireLapsedQuotes(em: EntityManager): Promise<void> {
  const expired = await prepared<{ id: string; provider_id: string; buyer_id: string }>(
    em,
    `with l as (select id from quote where status = 'ISSUED' and expires_at <= now() order by id limit ? for update skip locked),
     q as (update quote set status = 'EXPIRED', updated_at = now() where id in (select id from l) returning id, provider_id, buyer_id),
     r as (update reservation set status = 'RELEASED', released_at = now() where quote_id in (select id from q) and status = 'ACTIVE')
     select * from q order by id`,
    [500],
  );
  const system = { viewer: null, requestId: 'hold-sweeper' };
  for (const q of expired) {
    recordAudit(system, em, { action: 'quote.expired', entityType: 'Quote', entityId: q.id, partyIds: [q.provider_id, q.buyer_id], buyerIds: [q.buyer_id], before: { status: QuoteStatus.ISSUED }, after: { status: QuoteStatus.EXPIRED } });
  }
}
