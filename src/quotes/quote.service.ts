// Quotes: issue (holds capacity), revise (new version, holds move), withdraw, decline. Accepting
// creates the engagement: engagements/accept-quote.ts, with the decision in quote.acceptance.ts.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Quote, QuoteStatus, termsOf } from './quote.entity';
import type { DeclineQuoteInput, IssueQuoteInput, QuoteFilter, QuoteTermsInput, ReviseQuoteInput } from './quote.types';
import { priceSchedule, rampProblems, type Ramp } from './pricing';
import { CLOSED_REASONS, closeQuote } from './quote.ledger';
import { Need, NeedStatus } from '../needs/need.entity';
import { canSeeNeed } from '../needs/need.service';
import { Offering, OfferingStatus } from '../catalog/offering.entity';
import type { Context } from '../access/context';
import { adminOrgIds, assertAdminOf, assertBuyerSide, type Viewer } from '../access/viewer';
import { canReadDeal, providerLimitMessage } from '../access/visibility';
import { hardRuleChecks, hardRuleMiss } from './hard-rules';
import { phaseSlotLeft, phaseSlotsTaken } from '../capacity/engagement-slots';
import { prepared } from '../db/prepared';
import type { PhaseDefinition } from '../organizations/phase-policy';
import type { Page } from '../shared/connection';
import { byIdLoader, findPage, prefixedColumns, rowMapper } from '../db/read-model';
import { notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { InputChecks } from '../shared/validation';
import { hasAtMostPlaces, MAX_TOTAL, Money } from '../shared/money';
import { idempotent } from '../shared/idempotency';
import { lockNeed, lockNeedReadingOffering, lockQuote } from '../db/locks';
import { lockOfferingMonths } from '../capacity/capacity.locks';
import { fitResult, holdsFitCtes, holdsInsert, placeHolds, refuseUnlessPlaced, type FitRow } from '../capacity/ledger';
import { auditEvent, recordAudit } from '../audit/audit.service';
import { AuditEvent } from '../audit/audit-event.entity';
import { executeWith, insertRows } from '../db/write-model';

const DEFAULT_VALID_DAYS = 14;
const MAX_VALID_MS = 90 * 86_400_000;

/** A quote is visible to its provider side, its buyer side and the operator; never to a competitor. */
export const canSeeQuote: (viewer: Viewer, q: Pick<Quote, 'providerId' | 'buyerId'>) => boolean = canReadDeal;

function visibleTo(viewer: Viewer): FilterQuery<Quote> {
  return viewer.isOperator
    ? {}
    : { $or: [{ providerId: { $in: viewer.sellerIds } }, { buyerId: { $in: viewer.partyIds } }] };
}

export async function findQuote(ctx: Context, id: string): Promise<Quote | null> {
  const q = isUuid(id) ? await ctx.loaders.quoteById.load(id) : null;
  return q && canSeeQuote(ctx.viewer, q) ? q : null;
}

export async function listQuotes(ctx: Context, filter: QuoteFilter | undefined, page: Page) {
  const and: FilterQuery<Quote>[] = [visibleTo(ctx.viewer)];
  if (filter?.needId) and.push({ needId: isUuid(filter.needId) ? filter.needId : null });
  if (filter?.offeringId) and.push({ offeringId: isUuid(filter.offeringId) ? filter.offeringId : null });
  if (filter?.status === QuoteStatus.EXPIRED)
    and.push({
      $or: [
        { storedStatus: QuoteStatus.EXPIRED },
        { storedStatus: QuoteStatus.ISSUED, expiresAt: { $lte: new Date() } },
      ],
    });
  else if (filter?.status === QuoteStatus.ISSUED)
    and.push({ storedStatus: QuoteStatus.ISSUED, expiresAt: { $gt: new Date() } });
  else if (filter?.status) and.push({ storedStatus: filter.status });
  return findPage(ctx.em, Quote, { $and: and }, { createdAt: 'desc', id: 'asc' }, page);
}

function expiryOf(terms: QuoteTermsInput, fallback?: Date): Date {
  if (terms.validUntil) {
    const ms = terms.validUntil.getTime() - Date.now();
    if (ms <= 0 || ms > MAX_VALID_MS)
      refuse(
        UserErrorCode.VALIDATION,
        'validUntil must be in the future and at most 90 days ahead.',
        'input.validUntil',
      );
    return terms.validUntil;
  }
  if (terms.validDays) return new Date(Date.now() + terms.validDays * 86_400_000);
  return fallback ?? new Date(Date.now() + DEFAULT_VALID_DAYS * 86_400_000);
}

/** Builds a priced quote (not yet persisted) for a need and offering from the terms. */
function priceQuote(
  need: Need,
  offering: Offering,
  terms: Required<
    Pick<QuoteTermsInput, 'pilotMonths' | 'pilotUnits' | 'expansionMonths' | 'expansionUnits' | 'discountPercent'>
  >,
  expiresAt: Date,
): Quote {
  const ramp: Ramp = {
    startMonth: need.startMonth,
    durationMonths: need.durationMonths,
    monthlyVolume: need.monthlyVolume,
    ...terms,
  };
  const checks = new InputChecks();
  for (const [field, message] of rampProblems(ramp)) checks.check(false, field, message);
  // Stored to 2 decimals: priced at the same precision, or a revision would re-price differently.
  checks.check(
    hasAtMostPlaces(String(terms.discountPercent), 2),
    'input.discountPercent',
    'discountPercent has at most 2 decimal places.',
  );
  checks.done();
  const { lines, total } = priceSchedule(
    ramp,
    { ...offering.pricing, setupFee: offering.setupFee },
    terms.discountPercent,
  );
  if (new Money(total).gt(MAX_TOTAL))
    refuse(
      UserErrorCode.VALIDATION,
      `The quote's total would be ${total}, above the largest total of ${MAX_TOTAL}; quote fewer units or months.`,
      'input',
    );
  const q = new Quote({
    needId: need.id,
    offeringId: offering.id,
    providerId: offering.providerId,
    buyerId: need.buyerId,
    expiresAt,
    currency: offering.currency,
    setupFee: offering.setupFee,
    total,
    schedule: lines,
  });
  Object.assign(q, termsOf(offering), {
    pilotMonths: terms.pilotMonths,
    pilotUnits: terms.pilotUnits,
    expansionMonths: terms.expansionMonths,
    expansionUnits: terms.expansionUnits,
    discountPercent: String(terms.discountPercent),
  });
  return q;
}

/**
 * A quote obeys the hard rules of matching (hard-rules.ts) and needs an engagement slot left in the
 * provider's phase (capacity/engagement-slots.ts); refused with nothing held. The slot is checked again, under
 * the provider's lock, when the quote is accepted. `quotableSql` reads both for an offering (as a CTE of
 * the issuing statement, or on its own when revising); `refuseUnlessQuotable` refuses from its row.
 */
type QuotableRow = Record<string, unknown> & { phasePolicy: PhaseDefinition[]; currentPhase: number; taken: number };

const quotableSql = (offeringId: string, need: Need) => {
  const rules = hardRuleChecks('o', need);
  return {
    sql: `select x.*, ${rules.all} and ${phaseSlotLeft('x.taken', `(x."phasePolicy" -> x."currentPhase" ->> 'maxActiveEngagements')::int`)} as ok
            from (select ${rules.sql}, p.phase_policy as "phasePolicy", p.current_phase as "currentPhase", ${phaseSlotsTaken('p.id')} as taken
                    from offering o join organization p on p.id = o.provider_id where o.id = ?) x`,
    params: [...rules.params, offeringId],
  };
};

function refuseUnlessQuotable(ctx: Context, row: QuotableRow, need: Need, providerId: string): void {
  const miss = hardRuleMiss(row, need);
  if (miss) refuse(UserErrorCode.NOT_ELIGIBLE, miss.message, 'input.offeringId', { requirement: miss.requirement });
  const phase = row.phasePolicy[row.currentPhase];
  if (phase.maxActiveEngagements !== null && row.taken >= phase.maxActiveEngagements) {
    refuse(
      UserErrorCode.PHASE_LIMIT_REACHED,
      providerLimitMessage(
        ctx.viewer,
        providerId,
        `The provider is in ${phase.name}, which allows ${phase.maxActiveEngagements} active engagements; it has no slot left, so a quote could not be accepted.`,
      ),
      'input.offeringId',
    );
  }
}

/** Only a PUBLISHED offering is quoted, by an issue or a revision (matching lists no other). */
function assertPublished(offering: Offering, field: string): void {
  if (offering.status !== OfferingStatus.PUBLISHED)
    refuse(UserErrorCode.INVALID_TRANSITION, `The offering is ${offering.status}; publish it to quote.`, field);
}

async function assertQuotable(ctx: Context, em: EntityManager, need: Need, offering: Offering): Promise<void> {
  const { sql, params } = quotableSql(offering.id, need);
  const [row] = await prepared<QuotableRow>(em, sql, params);
  refuseUnlessQuotable(ctx, row, need, offering.providerId);
}

const snapshot = (q: Quote) => ({
  version: q.version,
  status: q.storedStatus,
  total: q.total,
  currency: q.currency,
  expiresAt: q.expiresAt,
  schedule: q.schedule.map((l) => ({ month: l.month, units: l.units, phase: l.phase })),
});

async function holdAndRecord(ctx: Context, em: EntityManager, q: Quote, action: string) {
  em.persist(q);
  await em.flush(); // the quote row must exist before its holds reference it
  await placeHolds(em, { offeringId: q.offeringId, quoteId: q.id, expiresAt: q.expiresAt, schedule: q.schedule });
  recordAudit(ctx, em, {
    action,
    entityType: 'Quote',
    entityId: q.id,
    partyIds: [q.providerId, q.buyerId],
    buyerIds: [q.buyerId],
    after: snapshot(q),
  });
}

/**
 * Issuing: one statement locks and reads the need and reads the offering, then one statement locks the
 * schedule's months (releasing expired holds) and, if every month has room and the offering has no
 * quote still marked ISSUED on the need, inserts the quote, its holds and its audit event.
 */
export function issueQuote(ctx: Context, input: IssueQuoteInput): Promise<Quote> {
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'issueQuote',
      input,
      async () => {
        // Lock order: the need before quotes and capacity, so an acceptance on the need and this issue
        // are serialized (otherwise a quote could stay live, holding capacity, on an awarded need).
        const offeringId = isUuid(input.offeringId) ? input.offeringId : null;
        const row = isUuid(input.needId)
          ? await lockNeedReadingOffering(
              em,
              input.needId,
              offeringId,
              prefixedColumns(em, Offering, 'o', 'offering.'),
              adminOrgIds(ctx.viewer),
            )
          : null;
        // Without the need, the offering is still read: its errors come first.
        const offering = row
          ? row['offering.id']
            ? rowMapper(em, Offering, 'offering.')(row)
            : null
          : offeringId
            ? await byIdLoader(em, Offering).load(offeringId)
            : null;
        if (!offering || (offering.status !== OfferingStatus.PUBLISHED && !ctx.viewer.isSellerOf(offering.providerId)))
          throw notFound('Offering');
        assertAdminOf(ctx.viewer, offering.providerId);
        const need = row && rowMapper(em, Need)(row);
        if (!need || !canSeeNeed(ctx.viewer, need)) throw notFound('Need');
        if (need.status !== NeedStatus.OPEN)
          refuse(
            UserErrorCode.INVALID_TRANSITION,
            `The need is ${need.status}; only OPEN needs can be quoted.`,
            'input.needId',
          );
        assertPublished(offering, 'input.offeringId');
        if (offering.categoryCode !== need.categoryCode)
          refuse(
            UserErrorCode.VALIDATION,
            `The offering sells ${offering.categoryCode}; the need is for ${need.categoryCode}.`,
            'input.offeringId',
          );
        if (need.buyerId === offering.providerId)
          refuse(UserErrorCode.VALIDATION, 'An organization cannot quote its own need.', 'input.needId');
        const q = priceQuote(
          need,
          offering,
          {
            pilotMonths: input.pilotMonths ?? 0,
            pilotUnits: input.pilotUnits ?? 0,
            expansionMonths: input.expansionMonths ?? 0,
            expansionUnits: input.expansionUnits ?? 0,
            discountPercent: input.discountPercent ?? 0,
          },
          expiryOf(input),
        );
        // Read after the need's lock (this is the transaction's second statement), so a quote issued
        // just before is seen; with one, nothing is locked or placed, and `live` says so. Nor when the
        // offering misses a hard rule or its provider has no slot left (`quotable` says which).
        const issue = () =>
          executeWith<FitRow & { live: number; quotable: QuotableRow }>(
            em,
            [
              [
                'live',
                {
                  sql: `select id from quote where need_id = ? and offering_id = ? and status = 'ISSUED'`,
                  params: [need.id, offering.id],
                },
              ],
              ['quotable', quotableSql(offering.id, need)],
              ...holdsFitCtes(
                q.offeringId,
                q.schedule,
                'not exists (select 1 from live) and (select ok from quotable)',
              ),
              ['q', insertRows(em, Quote, [q], 'id', '(select ok from fits)')],
              [
                'h',
                holdsInsert(
                  { offeringId: q.offeringId, quoteId: q.id, expiresAt: q.expiresAt, schedule: q.schedule },
                  'q',
                ),
              ],
              [
                'a',
                insertRows(
                  em,
                  AuditEvent,
                  [
                    auditEvent(ctx, {
                      action: 'quote.issued',
                      entityType: 'Quote',
                      entityId: q.id,
                      partyIds: [q.providerId, q.buyerId],
                      buyerIds: [q.buyerId],
                      after: snapshot(q),
                    }),
                  ],
                  '',
                  'exists (select 1 from q)',
                ),
              ],
            ],
            {
              sql: fitResult(
                ', (select count(*) from live)::int as live, (select row_to_json(x) from quotable x) as quotable',
              ),
              params: [],
            },
          );
        let placed = await issue();
        refuseUnlessQuotable(ctx, placed[0].quotable, need, offering.providerId);
        if (placed[0]?.live) {
          // The offering's quote on the need is live (revise it instead), or has lapsed but is still
          // marked ISSUED, which would block the unique index: close it first, having locked its
          // months and the new schedule's in one ordered statement, then issue again.
          const issued = await em.find(
            Quote,
            { needId: need.id, offeringId: offering.id, storedStatus: QuoteStatus.ISSUED },
            { orderBy: { id: 'asc' } },
          );
          if (issued.some((o) => o.status === QuoteStatus.ISSUED)) {
            refuse(
              UserErrorCode.CONFLICT,
              'This offering already has a live quote on the need; revise it instead.',
              'input.offeringId',
            );
          }
          await lockOfferingMonths(em, offering.id, [
            ...new Set([...issued.flatMap((o) => o.schedule), ...q.schedule].map((l) => l.month)),
          ]);
          for (const old of issued) await closeQuote(ctx, em, old, QuoteStatus.EXPIRED, CLOSED_REASONS.lapsed);
          await em.flush();
          placed = await issue();
        }
        refuseUnlessPlaced(placed);
        return { result: q, saved: { quoteId: q.id } };
      },
      ({ quoteId }) => em.findOneOrFail(Quote, quoteId),
    ),
  );
}

/** Loads a quote for an action by one of its parties; anything not visible reads as not found. */
async function quoteFor(ctx: Context, em: EntityManager, id: string, side: 'provider' | 'buyer'): Promise<Quote> {
  const q = isUuid(id) ? await em.findOne(Quote, id) : null;
  if (!q || !canSeeQuote(ctx.viewer, q)) throw notFound('Quote');
  if (side === 'provider') assertAdminOf(ctx.viewer, q.providerId);
  else assertBuyerSide(ctx.viewer, q.buyerId);
  await lockQuote(em, q.id);
  await em.refresh(q);
  return q;
}

function assertLive(q: Quote) {
  if (q.status === QuoteStatus.EXPIRED)
    refuse(UserErrorCode.QUOTE_EXPIRED, `The quote expired at ${q.expiresAt.toISOString()}.`, 'input.quoteId');
  if (q.status !== QuoteStatus.ISSUED)
    refuse(UserErrorCode.INVALID_TRANSITION, `The quote is ${q.status}.`, 'input.quoteId');
}

export async function reviseQuote(ctx: Context, input: ReviseQuoteInput): Promise<Quote> {
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'reviseQuote',
      input,
      async () => {
        const found = isUuid(input.quoteId) ? await em.findOne(Quote, input.quoteId) : null;
        if (found && canSeeQuote(ctx.viewer, found)) {
          assertAdminOf(ctx.viewer, found.providerId); // before any lock
          await lockNeed(em, found.needId); // lock order: need, then quote
        }
        const old = await quoteFor(ctx, em, input.quoteId, 'provider');
        assertLive(old);
        const [need, offering] = await Promise.all([
          em.findOneOrFail(Need, old.needId),
          em.findOneOrFail(Offering, old.offeringId),
        ]);
        assertPublished(offering, 'input.quoteId');
        await assertQuotable(ctx, em, need, offering);
        const next = priceQuote(
          need,
          offering,
          {
            pilotMonths: input.pilotMonths ?? old.pilotMonths,
            pilotUnits: input.pilotUnits ?? old.pilotUnits,
            expansionMonths: input.expansionMonths ?? old.expansionMonths,
            expansionUnits: input.expansionUnits ?? old.expansionUnits,
            discountPercent: input.discountPercent ?? Number(old.discountPercent),
          },
          expiryOf(input, old.expiresAt),
        );
        next.version = old.version + 1;
        next.supersedesId = old.id;
        // Lock every month of both schedules at once (one ordered statement), then move the holds.
        await lockOfferingMonths(em, old.offeringId, [
          ...new Set([...old.schedule, ...next.schedule].map((l) => l.month)),
        ]);
        await closeQuote(ctx, em, old, QuoteStatus.SUPERSEDED, CLOSED_REASONS.superseded(next.version), {
          supersededBy: next.id,
        });
        await em.flush(); // the old version leaves ISSUED before the new one enters it
        await holdAndRecord(ctx, em, next, 'quote.revised');
        return { result: next, saved: { quoteId: next.id } };
      },
      ({ quoteId }) => em.findOneOrFail(Quote, quoteId),
    ),
  );
}

export async function withdrawQuote(ctx: Context, id: string, reason?: string | null): Promise<Quote> {
  return ctx.em.transactional(async (em) => {
    const q = await quoteFor(ctx, em, id, 'provider');
    assertLive(q);
    await closeQuote(ctx, em, q, QuoteStatus.WITHDRAWN, reason?.trim() || CLOSED_REASONS.withdrawn);
    return q;
  });
}

export async function declineQuote(ctx: Context, input: DeclineQuoteInput): Promise<Quote> {
  return ctx.em.transactional(async (em) => {
    const q = await quoteFor(ctx, em, input.id, 'buyer');
    assertLive(q);
    await closeQuote(ctx, em, q, QuoteStatus.DECLINED, input.reason?.trim() || CLOSED_REASONS.declined);
    return q;
  });
}
