// Open demand a provider can actually serve: every open need for which one of its offerings passes
// every hard rule of matching (quotes/hard-rules.ts, the same fragments `matches` uses), scored by matching's
// own scoring from the provider's side. One statement for the whole answer.
import type { Context } from '../access/context';
import { query } from '../db/prepared';
import { badInput } from '../shared/errors';
import { addMonths, monthRange } from '../shared/month';
import type { ServableDemand, ServableNeed } from './insights.types';
import { availableUnitsSql } from '../capacity/availability';
import { phaseSlotLeft, phaseSlotsTaken } from '../capacity/engagement-slots';
import {
  coveragesSatisfyingSql,
  coveringRegionsJson,
  coveringRegionsSql,
  engagementCapSql,
  offeringServesNeedSql,
} from '../quotes/hard-rules';
import {
  MAX_MATCHES,
  needProfile,
  toCandidate,
  type CandidateRow,
  type MatchRequest,
} from '../matching/matching.service';
import { rank } from '../matching/scoring';

const SERVABLE_SQL = `
with p as (
  select p.id, p.state_code, p.ehr_platform_code, p.ehr_product, ${engagementCapSql('p')} as max_active,
         ${phaseSlotsTaken('p.id')} as active
    from organization p where p.id = $1
), history as (
  select e.offering_id, avg(r.attainment) as attainment, count(*)::int as reports
    from performance_report r join engagement e on e.id = r.engagement_id
   where e.provider_id = $1
   group by e.offering_id
)
select n.id as "needId", n.category_code as "categoryCode", n.monthly_volume as "monthlyVolume",
       to_char(n.start_month, 'YYYY-MM') as "startMonth", n.duration_months as "durationMonths",
       n.ehr_platform_code as "ehrPlatformCode", n.region_code as "regionCode", b.ehr_product as "buyerEhrProduct",
       o.id as "offeringId", p.id as "providerId", p.state_code as "providerState",
       p.ehr_platform_code as "providerEhr", p.ehr_product as "providerEhrProduct",
       o.unit_price as "unitPrice", o.price_tiers as tiers, o.monthly_minimum as "monthlyMinimum",
       o.currency, o.sla_targets as "slaTargets", h.attainment, coalesce(h.reports, 0) as reports, 0 as "withBuyer", a.available,
       (select q.id from quote q where q.need_id = n.id and q.offering_id = o.id and q.status = 'ISSUED' and q.expires_at > now()) as "quoteId"
  from p
  join offering o on o.provider_id = p.id
  join need n on n.status = 'OPEN'
   and ${offeringServesNeedSql('o', {
     categoryCode: 'n.category_code',
     ehrPlatformCodes: 'array[n.ehr_platform_code]',
     coveringRegions: coveringRegionsSql('$2', 'n.region_code'),
     certifications: 'n.required_certifications',
     languages: 'n.languages',
     coverages: coveragesSatisfyingSql('n.coverage_hours'),
     buyerId: 'n.buyer_id',
   })}
  join organization b on b.id = n.buyer_id
  left join history h on h.offering_id = o.id
 cross join lateral (
    select array_agg(greatest(v.available, 0) order by m.month) as available, min(v.available) as min_available
      from generate_series(n.start_month, n.start_month + (n.duration_months - 1) * interval '1 month', interval '1 month') as m(month)
      left join capacity_month cm on cm.offering_id = o.id and cm.month = m.month::date
     cross join lateral (select coalesce(${availableUnitsSql('cm')}, 0)::int as available) v
  ) a
 where ${phaseSlotLeft('p.active', 'p.max_active')}
   and a.min_available >= n.monthly_volume`;

type Row = CandidateRow &
  Pick<
    MatchRequest,
    'categoryCode' | 'monthlyVolume' | 'startMonth' | 'durationMonths' | 'ehrPlatformCode' | 'regionCode'
  > & { needId: string; quoteId: string | null };

export async function servableDemand(ctx: Context, providerId: string, first: number): Promise<ServableDemand> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_MATCHES)
    throw badInput(`first must be between 1 and ${MAX_MATCHES}.`, 'first');
  const rows = await query<Row>(ctx.em, SERVABLE_SQL, [providerId, coveringRegionsJson]);
  const byNeed = new Map<string, Row[]>();
  for (const r of rows) byNeed.set(r.needId, [...(byNeed.get(r.needId) ?? []), r]);
  const needs: ServableNeed[] = [...byNeed.values()].map((candidates) => {
    const n = candidates[0];
    const months = monthRange(n.startMonth, addMonths(n.startMonth, n.durationMonths - 1));
    // The provider's view of the need: no budget, no buyer relationships (both are the buyer's to read).
    const profile = needProfile({ ...n, maxUnitPrice: null }, months, n.buyerEhrProduct);
    const offerings = rank(
      candidates.map((c) => toCandidate(c, false)),
      profile,
    ).map((s) => ({
      offeringId: s.candidate.offeringId,
      fit: s.score,
      minAvailableUnits: s.minAvailableUnits,
      estimatedMonthlyCost: s.estimatedMonthlyCost,
      currency: s.candidate.currency,
      quoteId: candidates.find((c) => c.offeringId === s.candidate.offeringId)!.quoteId,
    }));
    return {
      needId: n.needId,
      categoryCode: n.categoryCode,
      monthlyVolume: n.monthlyVolume,
      months,
      quoted: offerings.some((o) => o.quoteId !== null),
      bestFit: offerings[0].fit,
      offerings,
    };
  });
  needs.sort((a, b) => b.bestFit - a.bestFit || (a.needId < b.needId ? -1 : 1));
  return {
    providerId,
    totalCount: needs.length,
    quotedCount: needs.filter((n) => n.quoted).length,
    needs: needs.slice(0, first),
  };
}
