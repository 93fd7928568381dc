// Live event streams for GraphQL subscriptions. Each event is matched against the subscriber's
// access (the parties of the change), then the object is read fresh for that subscriber with a new
// unit of work and its key checked again, so tenancy and private fields apply exactly as in queries.
import type { Context } from '../access/context';
import { canReadEvent } from '../access/visibility';
import { badInput } from '../shared/errors';
import { uniq } from '../shared/validation';
import { findQuote } from '../quotes/quote.service';
import { findEngagement } from '../engagements/engagement.service';
import { findNeed } from '../needs/need.service';
import { NeedStatus } from '../needs/need.entity';
import { region, regionsOfNeedsIn, serviceCategory } from '../reference/reference.service';
import type { EventHub } from './event-hub';
import type { ExchangeEvent } from './event-catalog';
import {
  EngagementEvent,
  EngagementEventType,
  NeedEvent,
  NeedEventType,
  QuoteEvent,
  QuoteEventType,
} from './event.types';

/** The context of a subscription: a request context renewed for every event it delivers. */
export interface LiveContext extends Context {
  events: EventHub;
  /**
   * Before each event: a fresh unit of work, with the API key checked again (false, and the
   * connection closed, once it is revoked), and the loaders this instance's subscribers share for
   * `event` (loaders know no viewer; access is applied to what they return, per subscriber).
   */
  renew(event: ExchangeEvent): Promise<boolean>;
}

const QUOTE_TYPES: Record<string, QuoteEventType> = {
  'quote.issued': QuoteEventType.ISSUED,
  'quote.revised': QuoteEventType.REVISED,
  'quote.accepted': QuoteEventType.ACCEPTED,
  'quote.declined': QuoteEventType.DECLINED,
  'quote.expired': QuoteEventType.EXPIRED,
  'quote.withdrawn': QuoteEventType.WITHDRAWN,
  'quote.superseded': QuoteEventType.SUPERSEDED,
  'quote.notAwarded': QuoteEventType.NOT_AWARDED,
};

const ENGAGEMENT_TYPES: Record<string, EngagementEventType> = {
  'engagement.created': EngagementEventType.CREATED,
  'engagement.baaSigned': EngagementEventType.BAA_SIGNED,
  'engagement.tasksSet': EngagementEventType.TASKS_SET,
  'engagement.performanceRecorded': EngagementEventType.REPORT_RECORDED,
  'engagement.phaseAdvanced': EngagementEventType.PHASE_ADVANCED,
  'engagement.terminated': EngagementEventType.TERMINATED,
  'engagement.completed': EngagementEventType.COMPLETED,
};

/** The event itself is readable (access/visibility.ts); the object is then read with the subscriber's access. */
const mayKnow = (ctx: LiveContext, e: ExchangeEvent) =>
  canReadEvent(ctx.viewer, { partyIds: e.partyIds, buyerIds: e.buyerIds ?? [] });

export function quoteEvents(ctx: LiveContext): AsyncIterableIterator<QuoteEvent> {
  return ctx.events.stream(async (e) => {
    const type = QUOTE_TYPES[e.type];
    if (!type || !mayKnow(ctx, e) || !(await ctx.renew(e))) return null;
    const quote = await findQuote(ctx, e.entityId);
    return quote && { id: e.id, type, occurredAt: new Date(e.occurredAt), quote };
  });
}

export function engagementEvents(ctx: LiveContext): AsyncIterableIterator<EngagementEvent> {
  return ctx.events.stream(async (e) => {
    const type = ENGAGEMENT_TYPES[e.type];
    if (!type || !mayKnow(ctx, e) || !(await ctx.renew(e))) return null;
    const engagement = await findEngagement(ctx, e.entityId);
    return engagement && { id: e.id, type, occurredAt: new Date(e.occurredAt), engagement };
  });
}

export interface NeedEventFilter {
  categoryCodes?: string[] | null;
  regionCodes?: string[] | null;
}

/**
 * Need regions a subscription to `codes` matches, as in `needs(filter: { regionCode })`: needs located
 * in the region (a need in US-OH matches US-OH, HHS-5 and NATIONWIDE) or covering it.
 */
function needRegionsFor(codes: string[]): Set<string> {
  const matched = new Set<string>();
  for (const code of codes) {
    if (!region(code)) throw badInput(`Unknown region code ${JSON.stringify(code).slice(0, 40)}.`, 'regionCodes');
    for (const c of regionsOfNeedsIn(code)) matched.add(c);
  }
  return matched;
}

/** New open needs in the chosen categories and regions (all of them when a list is empty or omitted). */
export function needEvents(ctx: LiveContext, filter: NeedEventFilter): AsyncIterableIterator<NeedEvent> {
  if ((filter.categoryCodes?.length ?? 0) > 100 || (filter.regionCodes?.length ?? 0) > 100)
    throw badInput('At most 100 category and 100 region codes.');
  const categories = uniq(filter.categoryCodes ?? []);
  for (const c of categories)
    if (!serviceCategory(c))
      throw badInput(`Unknown service category code ${JSON.stringify(c).slice(0, 60)}.`, 'categoryCodes');
  const regions = filter.regionCodes?.length ? needRegionsFor(uniq(filter.regionCodes)) : null;
  return ctx.events.stream(async (e) => {
    if (e.type !== 'need.created' || !e.categoryCode || !e.regionCode) return null;
    if (categories.length && !categories.includes(e.categoryCode)) return null;
    if (regions && !regions.has(e.regionCode)) return null;
    if (!(await ctx.renew(e))) return null;
    const need = await findNeed(ctx, e.entityId);
    return need && need.status === NeedStatus.OPEN
      ? { id: e.id, type: NeedEventType.CREATED, occurredAt: new Date(e.occurredAt), need }
      : null;
  });
}
