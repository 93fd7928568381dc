// The hard rules of matching as SQL fragments, written once: `matches`/`matchOffers` apply them to one
// need given as parameters, `servableDemand` to every open need at once (need columns). A candidate
// must pass all of them; scoring (scoring.ts) only ranks the ones that do.
import { COVERAGE_ORDER } from '../catalog/offering.entity';
import { coveringRegions, regions } from '../reference/reference.service';

/** A need's terms as SQL expressions (parameters or columns). */
export interface NeedTermsSql {
  categoryCode: string;
  /** text[] of the need's EHR platform. */
  ehrPlatformCodes: string;
  /** text[] of the region codes whose offerings serve the whole of the need's region. */
  coveringRegions: string;
  certifications: string;
  languages: string;
  /** text[] of the coverage levels that satisfy the need, or NULL when it asks for none. */
  coverages: string;
  /** The buyer (uuid, may be NULL): a provider never matches its own need. */
  buyerId: string;
}

/** SQL: offering `o` (table `offering`) passes the need's terms: published, category, EHR, region, certifications, languages, coverage, not the buyer's own. */
export const offeringServesNeedSql = (o: string, n: NeedTermsSql) => `${o}.status = 'PUBLISHED' and ${o}.category_code = ${n.categoryCode}
     and ${o}.ehr_platform_codes @> ${n.ehrPlatformCodes} and ${o}.region_codes && ${n.coveringRegions}
     and ${o}.certifications @> ${n.certifications} and ${o}.languages @> ${n.languages}
     and (${n.coverages} is null or ${o}.coverage_hours = any(${n.coverages}))
     and ${o}.provider_id is distinct from ${n.buyerId}`;

/** SQL: the cap on active engagements of provider `p` (table `organization`) in its current phase; NULL = unlimited. */
export const engagementCapSql = (p: string) => `(${p}.phase_policy -> ${p}.current_phase ->> 'maxActiveEngagements')::int`;

/** The coverage levels that satisfy a need asking for `level`: that level or a longer one. */
export const coveragesSatisfying = (level: string) => COVERAGE_ORDER.slice(COVERAGE_ORDER.indexOf(level as (typeof COVERAGE_ORDER)[number]));

/** SQL (text[] or NULL) of `coveragesSatisfying` the coverage level in the expression `level`. */
export const coveragesSatisfyingSql = (level: string) =>
  `(case ${level} ${COVERAGE_ORDER.map((c) => `when '${c}' then array[${coveragesSatisfying(c).map((x) => `'${x}'`).join(', ')}]::text[]`).join(' ')} end)`;

/** JSON object of every region code to its `coveringRegions`, for SQL that looks needs' regions up (a parameter). */
export const coveringRegionsJson = JSON.stringify(Object.fromEntries(regions.map((r) => [r.code, coveringRegions(r.code)])));

/** SQL: text[] of the covering regions of the region code `code`, from the `coveringRegionsJson` parameter `json`. */
export const coveringRegionsSql = (json: string, code: string) => `array(select jsonb_array_elements_text(${json}::jsonb -> ${code}))`;
