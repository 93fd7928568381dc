// Quote status changes that release capacity, shared by quotes, needs and the sweeper.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Quote, QuoteStatus } from './quote.entity';
import { releaseQuoteHolds } from '../capacity/ledger';
import { lockLapsedQuotes } from '../db/locks';
import { recordAudit } from '../audit/audit.service';
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

/** Sweeper hook: ISSUED quotes past their expiry become EXPIRED (their holds were released already). */
export async function expireLapsedQuotes(em: EntityManager): Promise<void> {
  const ids = await lockLapsedQuotes(em, 500);
  const lapsed = ids.length ? await em.find(Quote, { id: { $in: ids } }, { orderBy: { id: 'asc' } }) : [];
  for (const q of lapsed) await closeQuote({ viewer: null, requestId: 'hold-sweeper' }, em, q, QuoteStatus.EXPIRED);
}
