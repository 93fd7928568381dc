// Matching: the hard filters and the capacity arithmetic run in PostgreSQL as one set-based query;
// the surviving candidates are scored in TypeScript (scoring.ts).
import { readsNeedPrivateFields } from '../access/visibility';
import type { Context } from '../access/context';
import type { CoverageHours } from '../catalog/offering.entity';
import { pgArray, prepared } from '../db/prepared';
import { badInput, notFound } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { addMonths, monthRange } from '../shared/month';
import { coveringRegions, region, serviceCategory } from '../reference/reference.service';
import { checkNeedFields, findNeed } from '../needs/need.service';
import { UserErrors } from '../shared/errors';
import { rank, type Candidate, type NeedProfile, type Scored } from './scoring';
import { availableUnitsSql } from '../capacity/availability';
import { phaseSlotLeft, takesPhaseSlot } from '../capacity/engagement-slots';
import type { Match, MatchInput } from './matching.types';
import {
  coveragesSatisfying,
  engagementCapSql,
  NEED_TERMS_PARAMETERS,
  offeringServesNeedSql,
} from '../quotes/hard-rules';

export const DEFAULT_MATCHES = 10;
export const MAX_MATCHES = 100;

export interface MatchRequest {
  categoryCode: string;
  monthlyVolume: number;
  startMonth: string;
  durationMonths: number;
  ehrPlatformCode: string;
  regionCode: string;
  requiredCertifications: string[];
  coverageHours: CoverageHours | null;
  languages: string[];
  maxUnitPrice: string | null;
  buyerId: string | null;
  includePartial: boolean;
}

/** A row of the candidate query: the candidate's own columns plus what scoring derives from. */
export type CandidateRow = Omit<Candidate, 'providerHhsRegion' | 'slaHistory' | 'engagementsWithBuyer'> & {
  providerId: string;
  attainment: string | null;
  reports: number;
  withBuyer: number;
  buyerEhrProduct: string | null;
};

/**
 * Published offerings in the category that support the EHR, serve the region, hold the required
 * certifications, cover the hours and languages, whose provider has an engagement slot left in its
 * phase, with their availability per month (sellable - held - committed - conditional; expired holds
 * never count). Fully available ones only, unless partial results are asked for.
 */
const CANDIDATES_SQL = `
with months as (
  select generate_series(?::date, ?::date, interval '1 month')::date as month
), cand as (
  select o.id, o.provider_id, o.currency, o.unit_price, o.price_tiers, o.monthly_minimum, o.sla_targets,
         p.state_code, p.ehr_platform_code, p.ehr_product,
         ${engagementCapSql('p')} as max_active
    from offering o join organization p on p.id = o.provider_id
   where ${offeringServesNeedSql('o', NEED_TERMS_PARAMETERS)}
), engaged as (
  select e.provider_id,
         count(*) as active,
         count(*) filter (where e.buyer_id = ?::uuid) as with_buyer
    from engagement e
   where ${takesPhaseSlot('e')} and e.provider_id in (select provider_id from cand)
   group by e.provider_id
), history as (
  select e.offering_id, avg(r.attainment) as attainment, count(*)::int as reports
    from performance_report r join engagement e on e.id = r.engagement_id
   where e.offering_id in (select id from cand)
   group by e.offering_id
)
select c.id as "offeringId", c.provider_id as "providerId", c.state_code as "providerState",
       c.ehr_platform_code as "providerEhr", c.ehr_product as "providerEhrProduct",
       c.unit_price as "unitPrice", c.price_tiers as tiers, c.monthly_minimum as "monthlyMinimum",
       c.currency, c.sla_targets as "slaTargets", h.attainment, coalesce(h.reports, 0) as reports,
       coalesce(g.with_buyer, 0)::int as "withBuyer", a.available,
       (select b.ehr_product from organization b where b.id = ?::uuid) as "buyerEhrProduct"
  from cand c
  left join engaged g on g.provider_id = c.provider_id
  left join history h on h.offering_id = c.id
  cross join lateral (
    -- One index range scan per candidate for all its months (a month without a row has nothing
    -- available), rather than one index probe per candidate and month: a third less time at 5,000 providers.
    select array_agg(coalesce(x.available, 0) order by m.month) as available,
           min(coalesce(x.available, 0)) as min_available, max(coalesce(x.available, 0)) as max_available
      from months m
      left join (
        select cm.month, ${availableUnitsSql('cm')}::int as available
          from capacity_month cm
         where cm.offering_id = c.id and cm.month between (select min(month) from months) and (select max(month) from months)
      ) x on x.month = m.month
  ) a
 where ${phaseSlotLeft('coalesce(g.active, 0)', 'c.max_active')}
   and (a.min_available >= ? or (? and a.max_available > 0))`;

export async function findMatches(ctx: Context, req: MatchRequest, first: number): Promise<Match[]> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_MATCHES)
    throw badInput(`first must be between 1 and ${MAX_MATCHES}.`, 'first');
  const months = monthRange(req.startMonth, addMonths(req.startMonth, req.durationMonths - 1));
  const coverage = req.coverageHours ? coveragesSatisfying(req.coverageHours) : null;
  const buyerId = req.buyerId && isUuid(req.buyerId) ? req.buyerId : null;
  const rows = await prepared<CandidateRow>(ctx.em, CANDIDATES_SQL, [
    `${months[0]}-01`,
    `${months[months.length - 1]}-01`,
    req.categoryCode,
    pgArray([req.ehrPlatformCode]),
    pgArray(coveringRegions(req.regionCode)),
    pgArray(req.requiredCertifications),
    pgArray(req.languages),
    coverage ? pgArray(coverage) : null,
    coverage ? pgArray(coverage) : null,
    buyerId,
    buyerId,
    buyerId,
    req.monthlyVolume,
    req.includePartial,
  ]);
  const profile = needProfile(req, months, rows[0]?.buyerEhrProduct ?? null);
  // Relationships are the buyer's business: only the buyer side (and the operator) sees them count.
  const relationshipVisible = !!buyerId && readsNeedPrivateFields(ctx.viewer, { buyerId });
  const candidates = rows.map((row) => toCandidate(row, relationshipVisible));
  return rank(candidates, profile)
    .slice(0, first)
    .map((s) => toMatch(s, months, (s.candidate as Candidate & { providerId: string }).providerId, req.monthlyVolume));
}

/** What scoring needs to know of a need (`maxUnitPrice` only where the caller may read it). */
export function needProfile(
  req: Pick<MatchRequest, 'monthlyVolume' | 'ehrPlatformCode' | 'regionCode' | 'maxUnitPrice' | 'categoryCode'>,
  months: string[],
  buyerEhrProduct: string | null,
): NeedProfile {
  const r = region(req.regionCode)!;
  return {
    monthlyVolume: req.monthlyVolume,
    months,
    ehrPlatformCode: req.ehrPlatformCode,
    ehrProduct: buyerEhrProduct,
    regionCode: req.regionCode,
    needStates: r.states,
    needHhsRegion: r.hhsRegion ?? (r.kind === 'HHS_REGION' ? r.code : null),
    maxUnitPrice: req.maxUnitPrice,
    unit: serviceCategory(req.categoryCode)?.unit ?? 'units',
  };
}

/** A candidate row as scoring sees it; the relationship with the buyer counts only where the caller may read it. */
export function toCandidate(row: CandidateRow, relationshipVisible: boolean): Candidate & { providerId: string } {
  return {
    ...row,
    providerHhsRegion: region(row.providerState)?.hhsRegion ?? null,
    slaHistory: row.attainment === null ? null : { attainment: Number(row.attainment), reports: row.reports },
    engagementsWithBuyer: relationshipVisible ? row.withBuyer : null,
  };
}

function toMatch(s: Scored, months: string[], providerId: string, volume: number): Match {
  const c = s.candidate;
  return {
    offeringId: c.offeringId,
    providerId,
    score: s.score,
    fullyAvailable: s.fullyAvailable,
    minAvailableUnits: s.minAvailableUnits,
    availability: months.map((month, i) => ({ month, availableUnits: c.available[i] })),
    shortMonths: months.filter((_, i) => c.available[i] < volume),
    estimatedMonthlyCost: s.estimatedMonthlyCost,
    currency: c.currency,
    breakdown: s.breakdown as Match['breakdown'],
    warnings: s.warnings,
  };
}

/** Validates an ad-hoc search like a need, so both give the same errors. */
export function requestFromInput(input: MatchInput): MatchRequest {
  try {
    checkNeedFields(input);
  } catch (e) {
    if (e instanceof UserErrors)
      throw badInput(e.errors.map((x) => x.message).join(' '), e.errors[0].field ?? undefined);
    throw e;
  }
  return {
    ...input,
    coverageHours: input.coverageHours ?? null,
    maxUnitPrice: input.maxUnitPrice ?? null,
    buyerId: input.buyerId ?? null,
  };
}

export async function matchesForNeed(
  ctx: Context,
  needId: string,
  first: number,
  includePartial: boolean,
): Promise<Match[]> {
  const need = await findNeed(ctx, needId);
  if (!need) throw notFound('Need');
  return findMatches(
    ctx,
    {
      categoryCode: need.categoryCode,
      monthlyVolume: need.monthlyVolume,
      startMonth: need.startMonth,
      durationMonths: need.durationMonths,
      ehrPlatformCode: need.ehrPlatformCode,
      regionCode: need.regionCode,
      requiredCertifications: need.requiredCertifications,
      coverageHours: need.coverageHours,
      languages: need.languages,
      // The buyer's budget is private: only the buyer side's ranking uses it (a score would reveal it).
      maxUnitPrice: readsNeedPrivateFields(ctx.viewer, need) ? need.maxUnitPrice : null,
      buyerId: need.buyerId,
      includePartial,
    },
    first,
  );
}
