// Accepting a quote creates the engagement: the buyer's mutation that turns a quote into a contract.
// Whether a quote may be accepted, and the refusals, are the quote's (quotes/quote.acceptance.ts);
// this file composes that decision with the engagement it creates, in one statement.
import { Quote, QuoteStatus } from '../quotes/quote.entity';
import { canSeeQuote } from '../quotes/quote.service';
import { expireQuotesOfNeed } from '../quotes/quote.ledger';
import {
  acceptanceCtes,
  lockPartiesOfQuote,
  lockQuotesOfAcceptance,
  refuseAcceptance,
  type AcceptanceFacts,
} from '../quotes/quote.acceptance';
import { NeedStatus } from '../needs/need.entity';
import { Engagement } from './engagement.entity';
import type { AcceptQuoteInput } from './engagement.types';
import type { Context } from '../access/context';
import { assertBuyerSide, buyerSideOrgIds } from '../access/viewer';
import { lockMonths, lockMonthsCtes } from '../capacity/capacity.locks';
import { convertHoldsToEngagement } from '../capacity/ledger';
import type { EngagementPhase } from '../capacity/engagement-phase';
import { serviceCategory } from '../reference/reference.service';
import { auditEvent } from '../audit/audit.service';
import { AuditEvent } from '../audit/audit-event.entity';
import { byIdLoader, rowMapper } from '../db/read-model';
import { executeWith, insertRows } from '../db/write-model';
import { notFound } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { idempotent } from '../shared/idempotency';

/**
 * Accepting creates the engagement, turns holds into committed (current phase) and conditional
 * (later phases) units, awards the need and expires the other quotes, all in one transaction.
 * Locks: provider (engagement slots) and need (one acceptance wins) in one statement, reading the
 * quote; then one statement locks the quote and the need's other live quotes, checks them and the
 * provider's slots, locks the capacity months and makes the changes (engagement, need, quote,
 * reservations, audit events). With rival quotes still live it changes nothing: they expire first,
 * their months locked by a statement of their own, and the acceptance statement runs again in the
 * same transaction.
 */
export function acceptQuote(ctx: Context, input: AcceptQuoteInput): Promise<{ quote: Quote; engagement: Engagement }> {
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'acceptQuote',
      input,
      async () => {
        // Only a caller acting for the quote's buyer locks anything; anyone else is refused without a lock.
        const parties = isUuid(input.quoteId)
          ? await lockPartiesOfQuote(em, input.quoteId, buyerSideOrgIds(ctx.viewer))
          : null;
        if (!parties) {
          const seen = isUuid(input.quoteId) ? await byIdLoader(em, Quote).load(input.quoteId) : null;
          if (seen && canSeeQuote(ctx.viewer, seen)) assertBuyerSide(ctx.viewer, seen.buyerId);
          throw notFound('Quote');
        }
        const q = rowMapper(em, Quote)(parties.quoteRow);
        if (!canSeeQuote(ctx.viewer, q)) throw notFound('Quote');
        assertBuyerSide(ctx.viewer, q.buyerId);
        const need = parties.need;
        const phase = parties.provider.phasePolicy[parties.provider.currentPhase];
        const firstPhase = q.schedule[0].phase as EngagementPhase;
        const engagement = new Engagement({
          quote: q,
          phase: firstPhase,
          baaRequired: serviceCategory(need.categoryCode)?.touchesPhi ?? true,
        });
        const now = new Date();
        const partyIds = [q.providerId, q.buyerId];
        const events = [
          auditEvent(ctx, {
            action: 'quote.accepted',
            entityType: 'Quote',
            entityId: q.id,
            partyIds,
            buyerIds: [q.buyerId],
            before: { status: QuoteStatus.ISSUED },
            after: { status: QuoteStatus.ACCEPTED, engagementId: engagement.id },
          }),
          auditEvent(ctx, {
            action: 'need.awarded',
            entityType: 'Need',
            entityId: need.id,
            partyIds: [need.buyerId],
            buyerIds: [need.buyerId],
            before: { status: NeedStatus.OPEN },
            after: { status: NeedStatus.AWARDED, quoteId: q.id },
          }),
          auditEvent(ctx, {
            action: 'engagement.created',
            entityType: 'Engagement',
            entityId: engagement.id,
            partyIds,
            buyerIds: [q.buyerId],
            after: { quoteId: q.id, status: engagement.status, phase: engagement.phase },
          }),
        ];
        const accept = async (expired: AuditEvent[]) => {
          const [facts] = await executeWith<AcceptanceFacts>(
            em,
            [
              ...acceptanceCtes({
                needId: need.id,
                quoteId: q.id,
                providerId: q.providerId,
                needOpen: need.status === NeedStatus.OPEN,
                maxActiveEngagements: phase.maxActiveEngagements,
              }),
              ...lockMonthsCtes(
                q.schedule.map((l) => ({ offeringId: q.offeringId, month: l.month })),
                '(select ok from go)',
              ),
              ['e', insertRows(em, Engagement, [engagement], 'id', '(select ok from go)')],
              [
                'n',
                {
                  sql: `update need set status = ?, updated_at = ? where id = ? and (select ok from go)`,
                  params: [NeedStatus.AWARDED, now, need.id],
                },
              ],
              [
                'q',
                {
                  sql: `update quote set status = ?, updated_at = ? where id = ? and (select ok from go)`,
                  params: [QuoteStatus.ACCEPTED, now, q.id],
                },
              ],
              ['r', convertHoldsToEngagement(q.id, 'e', firstPhase)],
              ['a', insertRows(em, AuditEvent, [...expired, ...events], '', '(select ok from go)')],
            ],
            { sql: 'select f.*, g.ok from facts f, go g', params: [] },
          );
          return facts;
        };
        let facts = await accept([]);
        if (!facts.ok) {
          refuseAcceptance(facts, q, need.status, phase, ctx.viewer);
          // Rival quotes still live: every month whose counters change (this quote's holds and theirs)
          // is locked, they expire, and the acceptance runs again (re-locking a subset).
          const issued = (await lockQuotesOfAcceptance(em, need.id, q.id))
            .map(rowMapper(em, Quote))
            .filter((o) => o.storedStatus === QuoteStatus.ISSUED);
          await lockMonths(
            em,
            issued.flatMap((i) => i.schedule.map((l) => ({ offeringId: i.offeringId, month: l.month }))),
          );
          facts = await accept(await expireQuotesOfNeed(ctx, em, need.id, q.id));
          if (!facts.ok) throw new Error(`acceptance of quote ${q.id} refused after its rivals expired`);
        }
        q.storedStatus = QuoteStatus.ACCEPTED;
        q.updatedAt = now;
        return { result: { quote: q, engagement }, saved: { quoteId: q.id, engagementId: engagement.id } };
      },
      async ({ quoteId, engagementId }) => ({
        quote: await em.findOneOrFail(Quote, quoteId),
        engagement: await em.findOneOrFail(Engagement, engagementId),
      }),
    ),
  );
}
