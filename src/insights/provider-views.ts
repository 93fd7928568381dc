// A provider's business at a glance: its pipeline of quotes, revenue booked by month, capacity
// utilization per offering and month. Each view is one or two SQL statements for the whole answer
// (counted in test/insights.test.ts); the arithmetic over their rows is pure and lives below.
import type { Context } from '../access/context';
import { readsProviderViews } from '../access/visibility';
import { query } from '../db/prepared';
import { badInput, notFound } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { Money, type MoneyValue } from '../shared/money';
import { addMonths, monthRange } from '../shared/month';
import { checkRange } from '../capacity/capacity.service';
import { availableUnits, reservedUnits } from '../capacity/availability';
import type { CapacityRow } from '../capacity/capacity.loader';
import type { PhaseDefinition } from '../organizations/phase-policy';
import { phaseSlotsTaken } from '../capacity/engagement-slots';
import { PHASE_ORDER } from '../engagements/engagement.entity';
import {
  PipelineOutcome,
  type BookedRevenue,
  type CurrencyAmount,
  type ExpiryBucket,
  type OfferingUtilization,
  type Pipeline,
  type PipelineOutcomeSummary,
  type PipelineQuote,
  type ProviderUtilization,
  type RevenueMonth,
  type UtilizationMonth,
} from './insights.types';

/**
 * The provider a view is about: the key's own organization by default; another one only for the
 * operator. Someone else's reads exactly like an organization that does not exist.
 */
export async function providerOf(ctx: Context, providerId: string | null | undefined): Promise<string> {
  const viewer = ctx.viewer;
  const id = providerId ?? viewer.organizationId;
  if (!id) throw badInput('providerId is required with an operator key.', 'providerId');
  if (!isUuid(id) || !readsProviderViews(viewer, id)) throw notFound('Organization');
  if (viewer.isOperator && !(await ctx.loaders.organizationById.load(id))) throw notFound('Organization');
  return id;
}

/** Sums amounts per currency, currencies in alphabetical order. */
export function totalsByCurrency(items: { currency: string; amount: string }[]): CurrencyAmount[] {
  const sums = new Map<string, MoneyValue>();
  for (const i of items) sums.set(i.currency, (sums.get(i.currency) ?? new Money(0)).plus(i.amount));
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, sum]) => ({ currency, amount: sum.toFixed(2) }));
}

// ---- Pipeline -----------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
export const EXPIRING_SOON_DAYS = 7;
export const EXPIRY_BUCKETS = [7, 14, 30, 60, 90] as const;

/**
 * How a quote that is no longer open ended, from its own status only (never from other providers'
 * quotes): LOST is NOT_AWARDED, set when the buyer accepted another quote while this one was live; a
 * quote that had already lapsed or been closed stays EXPIRED (the provider may have won the need with
 * a newer quote). A live ISSUED quote is open, not closed; a lapsed one counts as EXPIRED from its
 * expiry on. Superseded versions are not outcomes (their revision is).
 */
const CLOSED_QUOTES_SQL = `
with closed as (
  select q.total, q.currency, q.closed_reason as reason,
         case when q.status = 'ACCEPTED' then 'WON'
              when q.status = 'DECLINED' then 'DECLINED'
              when q.status = 'WITHDRAWN' then 'WITHDRAWN'
              when q.status = 'NOT_AWARDED' then 'LOST'
              else 'EXPIRED' end as outcome,
         case when q.status = 'ISSUED' then q.expires_at else q.updated_at end as closed_at
    from quote q
   where q.provider_id = $1 and q.status <> 'SUPERSEDED' and not (q.status = 'ISSUED' and q.expires_at > now())
)
select outcome, currency, reason, count(*)::int as count, sum(total)::text as total
  from closed
 where closed_at >= $2::date and closed_at < $3::date
 group by outcome, currency, reason`;

const OPEN_QUOTES_SQL = `
select q.id as "quoteId", q.need_id as "needId", q.total::text as total, q.currency, q.expires_at as "expiresAt"
  from quote q
 where q.provider_id = $1 and q.status = 'ISSUED' and q.expires_at > now()
 order by q.expires_at, q.id`;

interface ClosedRow {
  outcome: PipelineOutcome;
  currency: string;
  reason: string | null;
  count: number;
  total: string;
}

export async function pipeline(ctx: Context, providerId: string, from: string, to: string): Promise<Pipeline> {
  checkRange(from, to);
  const now = Date.now();
  const [open, closed] = await Promise.all([
    query<{ quoteId: string; needId: string; total: string; currency: string; expiresAt: Date }>(
      ctx.em,
      OPEN_QUOTES_SQL,
      [providerId],
    ),
    query<ClosedRow>(ctx.em, CLOSED_QUOTES_SQL, [providerId, `${from}-01`, `${addMonths(to, 1)}-01`]),
  ]);
  const quotes: PipelineQuote[] = open.map((q) => {
    const days = (new Date(q.expiresAt).getTime() - now) / DAY_MS;
    return {
      ...q,
      expiresAt: new Date(q.expiresAt),
      daysToExpiry: Math.round(days * 100) / 100,
      expiringSoon: days <= EXPIRING_SOON_DAYS,
    };
  });
  return { providerId, from, to, open: quotes, ...openSummary(quotes), ...outcomeSummary(closed) };
}

/** Open quotes' totals, the ones lapsing soon, and the expiry buckets. */
export function openSummary(open: PipelineQuote[]): Pick<Pipeline, 'openTotals' | 'expiringSoonCount' | 'byExpiry'> {
  const byExpiry: ExpiryBucket[] = EXPIRY_BUCKETS.map((withinDays, i) => {
    const after = i === 0 ? -Infinity : EXPIRY_BUCKETS[i - 1];
    const label = `${i === 0 ? 0 : after + 1}-${withinDays} days`;
    const inBucket = open.filter(
      (q) => q.daysToExpiry > after && (q.daysToExpiry <= withinDays || i === EXPIRY_BUCKETS.length - 1),
    );
    return {
      label,
      withinDays,
      count: inBucket.length,
      totals: totalsByCurrency(inBucket.map((q) => ({ currency: q.currency, amount: q.total }))),
    };
  });
  return {
    openTotals: totalsByCurrency(open.map((q) => ({ currency: q.currency, amount: q.total }))),
    expiringSoonCount: open.filter((q) => q.expiringSoon).length,
    byExpiry,
  };
}

/** Closed quotes per outcome (all five listed), their reasons and the win rate. */
export function outcomeSummary(rows: ClosedRow[]): Pick<Pipeline, 'outcomes' | 'winRate'> {
  const outcomes: PipelineOutcomeSummary[] = Object.values(PipelineOutcome).map((outcome) => {
    const mine = rows.filter((r) => r.outcome === outcome);
    const reasons = new Map<string, number>();
    for (const r of mine)
      if (r.reason?.trim()) reasons.set(r.reason.trim(), (reasons.get(r.reason.trim()) ?? 0) + r.count);
    return {
      outcome,
      count: mine.reduce((s, r) => s + r.count, 0),
      totals: totalsByCurrency(mine.map((r) => ({ currency: r.currency, amount: r.total }))),
      reasons: [...reasons.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([reason, count]) => ({ reason, count })),
    };
  });
  const count = (o: PipelineOutcome) => outcomes.find((x) => x.outcome === o)!.count;
  const decided =
    count(PipelineOutcome.WON) +
    count(PipelineOutcome.LOST) +
    count(PipelineOutcome.DECLINED) +
    count(PipelineOutcome.EXPIRED);
  return { outcomes, winRate: decided ? Math.round((count(PipelineOutcome.WON) / decided) * 10_000) / 10_000 : null };
}

// ---- Booked revenue -----------------------------------------------------------------------------

/**
 * Schedule lines of the provider's engagements in the range, within service (a terminated
 * engagement's lines after its last month of service are gone), per month and currency: committed
 * where the engagement has reached the line's phase, conditional where not; delivered from the
 * month's report (its current version) at the line's unit price.
 */
const REVENUE_SQL = `
with lines as (
  select e.id, q.currency, x->>'month' as month, (x->>'units')::int as units, (x->>'amount')::numeric as amount,
         (x->>'unitPrice')::numeric as unit_price,
         array_position($4::text[], x->>'phase') <= array_position($4::text[], e.phase) as reached
    from engagement e
    join quote q on q.id = e.quote_id
   cross join jsonb_array_elements(e.schedule) x
   where e.provider_id = $1 and x->>'month' between $2 and $3
     and (e.service_end_month is null or x->>'month' <= to_char(e.service_end_month, 'YYYY-MM'))
)
select l.month, l.currency,
       coalesce(sum(l.amount) filter (where l.reached), 0)::text as "committedAmount",
       coalesce(sum(l.amount) filter (where not l.reached), 0)::text as "conditionalAmount",
       coalesce(sum(l.units) filter (where l.reached), 0)::int as "committedUnits",
       coalesce(sum(l.units) filter (where not l.reached), 0)::int as "conditionalUnits",
       coalesce(sum(d.delivered_units), 0)::int as "deliveredUnits",
       coalesce(sum(round(d.delivered_units * l.unit_price, 2)), 0)::text as "deliveredAmount",
       count(*)::int as engagements
  from lines l
  left join performance_report d on d.engagement_id = l.id and d.month = (l.month || '-01')::date
 group by l.month, l.currency`;

export async function bookedRevenue(
  ctx: Context,
  providerId: string,
  from: string,
  to: string,
): Promise<BookedRevenue[]> {
  checkRange(from, to);
  const rows = await query<RevenueMonth & { currency: string }>(ctx.em, REVENUE_SQL, [
    providerId,
    from,
    to,
    PHASE_ORDER,
  ]);
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  const cents = (s: string) => new Money(s).toFixed(2);
  return currencies.map((currency) => {
    const byMonth = new Map(rows.filter((r) => r.currency === currency).map((r) => [r.month, r]));
    const months: RevenueMonth[] = monthRange(from, to).map((month) => {
      const r = byMonth.get(month);
      return r
        ? {
            month,
            committedAmount: cents(r.committedAmount),
            conditionalAmount: cents(r.conditionalAmount),
            deliveredAmount: cents(r.deliveredAmount),
            committedUnits: r.committedUnits,
            conditionalUnits: r.conditionalUnits,
            deliveredUnits: r.deliveredUnits,
            engagements: r.engagements,
          }
        : {
            month,
            committedAmount: '0.00',
            conditionalAmount: '0.00',
            deliveredAmount: '0.00',
            committedUnits: 0,
            conditionalUnits: 0,
            deliveredUnits: 0,
            engagements: 0,
          };
    });
    const sum = (f: 'committedAmount' | 'conditionalAmount' | 'deliveredAmount') =>
      months.reduce((s, m) => s.plus(m[f]), new Money(0)).toFixed(2);
    return {
      providerId,
      currency,
      months,
      committedTotal: sum('committedAmount'),
      conditionalTotal: sum('conditionalAmount'),
      deliveredTotal: sum('deliveredAmount'),
    };
  });
}

// ---- Utilization --------------------------------------------------------------------------------

const PROVIDER_BOOK_SQL = `
select p.phase_policy as "phasePolicy", p.current_phase as "currentPhase",
       ${phaseSlotsTaken('p.id')} as "activeEngagements",
       coalesce((select json_agg(json_build_object('id', o.id, 'title', o.title, 'categoryCode', o.category_code) order by o.title, o.id)
                   from offering o where o.provider_id = p.id), '[]') as offerings
  from organization p where p.id = $1`;

/** One month's figures from a capacity row (held units already net of lapsed holds). */
export function utilizationMonth(r: CapacityRow): UtilizationMonth {
  const sold = reservedUnits(r);
  return {
    ...r,
    soldUnits: sold,
    availableUnits: availableUnits(r),
    utilization: r.sellableUnits ? Math.round((sold / r.sellableUnits) * 10_000) / 10_000 : null,
    shareOfTotal: r.totalUnits ? Math.round((sold / r.totalUnits) * 10_000) / 10_000 : null,
  };
}

/** The month of highest utilization (earliest on ties) and what is still available there. */
export function peakOf(
  months: UtilizationMonth[],
): Pick<OfferingUtilization, 'peakMonth' | 'peakUtilization' | 'headroomUnits'> {
  let peak: UtilizationMonth | null = null;
  for (const m of months) if (m.utilization !== null && (peak === null || m.utilization > peak.utilization!)) peak = m;
  return peak
    ? { peakMonth: peak.month, peakUtilization: peak.utilization, headroomUnits: peak.availableUnits }
    : { peakMonth: null, peakUtilization: null, headroomUnits: null };
}

export const slotsLabel = (used: number, limit: number | null) => `${used} of ${limit ?? 'unlimited'}`;

export async function utilization(
  ctx: Context,
  providerId: string,
  from: string,
  to: string,
): Promise<ProviderUtilization> {
  checkRange(from, to);
  const [book] = await query<{
    phasePolicy: PhaseDefinition[];
    currentPhase: number;
    activeEngagements: number;
    offerings: { id: string; title: string; categoryCode: string }[];
  }>(ctx.em, PROVIDER_BOOK_SQL, [providerId]);
  if (!book) throw notFound('Organization');
  // The capacity loader is the one reader of capacity months (lapsed holds netted out): one statement for all offerings.
  const rows = await Promise.all(
    book.offerings.map((o) => ctx.loaders.capacityByOffering.load({ offeringId: o.id, from, to })),
  );
  const offerings: OfferingUtilization[] = book.offerings.map((o, i) => {
    const months = rows[i].map(utilizationMonth);
    return { offeringId: o.id, title: o.title, categoryCode: o.categoryCode, months, ...peakOf(months) };
  });
  const totals = monthRange(from, to).map((month, i) =>
    utilizationMonth(
      rows.reduce<CapacityRow>(
        (t, r) => ({
          month,
          totalUnits: t.totalUnits + r[i].totalUnits,
          sellableUnits: t.sellableUnits + r[i].sellableUnits,
          heldUnits: t.heldUnits + r[i].heldUnits,
          committedUnits: t.committedUnits + r[i].committedUnits,
          conditionalUnits: t.conditionalUnits + r[i].conditionalUnits,
        }),
        { month, totalUnits: 0, sellableUnits: 0, heldUnits: 0, committedUnits: 0, conditionalUnits: 0 },
      ),
    ),
  );
  const phase = book.phasePolicy[book.currentPhase];
  return {
    providerId,
    phase: phase.name,
    maxExternalShare: phase.maxExternalShare,
    engagementSlots: {
      used: book.activeEngagements,
      limit: phase.maxActiveEngagements,
      label: slotsLabel(book.activeEngagements, phase.maxActiveEngagements),
    },
    offerings,
    totals,
  };
}
