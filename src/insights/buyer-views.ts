// A buyer's view of its partners: each engagement's scorecard (delivered against scheduled, SLA
// attainment per metric, spend against the quote, disputes) and its vendor portfolio (who serves which
// function, where it is fragmented, and which existing partners could consolidate it).
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../access/context';
import { readsBuyerViews } from '../access/visibility';
import { query } from '../db/prepared';
import { badInput, notFound } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { Money } from '../shared/money';
import { currentMonth } from '../shared/month';
import type { SlaTarget } from '../catalog/offering.entity';
import type { MetricResult } from '../engagements/performance-report.entity';
import type { PricedLine } from '../quotes/pricing';
import { takesPhaseSlot } from '../capacity/engagement-slots';
import type { MetricSeries, PortfolioCategory, Scorecard, ScorecardMonth, VendorPortfolio } from './insights.types';

// ---- Scorecard ----------------------------------------------------------------------------------

/** What a scorecard is computed from: the engagement's agreed terms (its quote's) and its reports (the current version of each month). */
export interface ScorecardFacts {
  engagementId: string;
  currency: string;
  quoteTotal: string;
  setupFee: string;
  schedule: PricedLine[];
  serviceEndMonth: string | null;
  slaTargets: SlaTarget[];
  reports: {
    month: string;
    deliveredUnits: number;
    attainment: string;
    allTargetsMet: boolean;
    metrics: MetricResult[];
    disputed: boolean;
  }[];
}

const SCORECARD_SQL = `
select e.id as "engagementId", q.currency, q.total::text as "quoteTotal", q.setup_fee::text as "setupFee", e.schedule,
       to_char(e.service_end_month, 'YYYY-MM') as "serviceEndMonth", q.sla_targets as "slaTargets",
       coalesce((select json_agg(json_build_object('month', to_char(r.month, 'YYYY-MM'), 'deliveredUnits', r.delivered_units,
                   'attainment', r.attainment::text, 'allTargetsMet', r.all_targets_met, 'metrics', r.metrics, 'disputed', r.disputed) order by r.month)
                   from performance_report r where r.engagement_id = e.id), '[]') as reports
  from engagement e
  join quote q on q.id = e.quote_id
 where e.id = any($1::uuid[])`;

/** Scorecard facts per engagement id: one statement per batch. */
export function createScorecardLoader(em: EntityManager) {
  return new DataLoader<string, ScorecardFacts | null>(async (ids) => {
    const rows = await query<ScorecardFacts>(em, SCORECARD_SQL, [[...ids]]);
    const byId = new Map(rows.map((r) => [r.engagementId, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const share = (met: number, of: number) => (of ? Math.round((met / of) * 10_000) / 10_000 : null);

/** The scorecard of an engagement as of `today` (a month), from its facts. Pure. */
export function scorecardOf(f: ScorecardFacts, today = currentMonth()): Scorecard {
  const reports = new Map(f.reports.map((r) => [r.month, r]));
  const served = f.schedule.filter((l) => f.serviceEndMonth === null || l.month <= f.serviceEndMonth);
  const months: ScorecardMonth[] = served.map((l) => {
    const r = reports.get(l.month);
    return {
      month: l.month,
      scheduledUnits: l.units,
      scheduledAmount: l.amount,
      deliveredUnits: r ? r.deliveredUnits : null,
      attainment: r ? Number(r.attainment) : null,
      allTargetsMet: r ? r.allTargetsMet : null,
      disputed: r ? r.disputed : false,
    };
  });
  const toDate = served.filter((l) => l.month <= today);
  const spend = toDate.length ? toDate.reduce((s, l) => s.plus(l.amount), new Money(f.setupFee)) : new Money(0);
  const metrics: MetricSeries[] = f.slaTargets.map((t) => {
    const points = f.reports.flatMap((r) =>
      r.metrics.filter((m) => m.metric === t.metric).map((m) => ({ month: r.month, value: m.value, met: m.met })),
    );
    return {
      metric: t.metric,
      target: t.target,
      unit: t.unit ?? null,
      direction: t.direction,
      points,
      attainment: share(points.filter((p) => p.met).length, points.length),
    };
  });
  const results = f.reports.flatMap((r) => r.metrics);
  return {
    currency: f.currency,
    quoteTotal: f.quoteTotal,
    spendToDate: spend.toFixed(2),
    scheduledUnitsToDate: toDate.reduce((s, l) => s + l.units, 0),
    deliveredUnitsToDate: f.reports.reduce((s, r) => s + r.deliveredUnits, 0),
    attainment: share(results.filter((m) => m.met).length, results.length),
    disputesOpen: f.reports.filter((r) => r.disputed).length,
    months,
    metrics,
  };
}

// ---- Vendor portfolio ---------------------------------------------------------------------------

/**
 * The buyer's active engagements (those taking a slot: PENDING_BAA or ACTIVE) with their category and
 * provider, and, per category, its existing partners' published offerings there.
 */
const PORTFOLIO_SQL = `
with active as (
  select e.id, e.provider_id, o.category_code
    from engagement e join offering o on o.id = e.offering_id
   where e.buyer_id = $1 and ${takesPhaseSlot('e')}
)
select a.category_code as "categoryCode", a.provider_id as "providerId", array_agg(a.id::text order by a.id) as "engagementIds",
       array(select distinct x.provider_id::text from offering x
              where x.category_code = a.category_code and x.status = 'PUBLISHED'
                and x.provider_id in (select provider_id from active)
                and x.provider_id not in (select provider_id from active y where y.category_code = a.category_code)
              order by 1) as candidates
  from active a
 group by a.category_code, a.provider_id`;

/** The buyer a portfolio is about: the key's own organization by default, a member for a network's key; others read as missing. */
export async function buyerOf(ctx: Context, buyerId: string | null | undefined): Promise<string> {
  const viewer = ctx.viewer;
  const id = buyerId ?? viewer.organizationId;
  if (!id) throw badInput('buyerId is required with an operator key.', 'buyerId');
  if (!isUuid(id) || !readsBuyerViews(viewer, id)) throw notFound('Organization');
  if (viewer.isOperator && !(await ctx.loaders.organizationById.load(id))) throw notFound('Organization');
  return id;
}

export async function vendorPortfolio(ctx: Context, buyerId: string): Promise<VendorPortfolio> {
  const rows = await query<{ categoryCode: string; providerId: string; engagementIds: string[]; candidates: string[] }>(
    ctx.em,
    PORTFOLIO_SQL,
    [buyerId],
  );
  const codes = [...new Set(rows.map((r) => r.categoryCode))].sort();
  const categories: PortfolioCategory[] = codes.map((categoryCode) => {
    const vendors = rows
      .filter((r) => r.categoryCode === categoryCode)
      .map((r) => ({ providerId: r.providerId, engagementIds: r.engagementIds }))
      .sort((a, b) => b.engagementIds.length - a.engagementIds.length || (a.providerId < b.providerId ? -1 : 1));
    return {
      categoryCode,
      activeEngagements: vendors.reduce((s, v) => s + v.engagementIds.length, 0),
      vendors,
      fragmented: vendors.length > 1,
      consolidationCandidateIds: rows.find((r) => r.categoryCode === categoryCode)!.candidates,
    };
  });
  return {
    buyerId,
    activeEngagements: categories.reduce((s, c) => s + c.activeEngagements, 0),
    vendorCount: new Set(rows.map((r) => r.providerId)).size,
    fragmentedCategories: categories.filter((c) => c.fragmented).length,
    categories,
  };
}

declare module '../access/context' {
  /** The scorecard's loader, registered by src/app/context.ts. */
  interface Loaders {
    scorecardFacts: ReturnType<typeof createScorecardLoader>;
  }
}
