// The hard rules of matching as SQL fragments, written once (in quotes, below matching: a quote obeys
// them too): `matches`/`matchOffers` apply them to one need given as parameters, `servableDemand` to
// every open need at once (need columns), and issueQuote/reviseQuote evaluate them one by one
// (`hardRuleChecks`) to name the requirement an offering misses (NOT_ELIGIBLE). A candidate must pass
// all of them; scoring (matching/scoring.ts) only ranks the ones that do.
import { COVERAGE_ORDER, type CoverageHours } from '../catalog/offering.entity';
import { pgArray } from '../db/prepared';
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

/** What a need asks of an offering, as values (a need, or an ad-hoc search). */
export interface Requirements {
  ehrPlatformCode: string;
  regionCode: string;
  requiredCertifications: readonly string[];
  coverageHours: CoverageHours | null;
  languages: readonly string[];
}

/** The hard rules on the service itself, in the order their SQL appears (and takes parameters). */
const RULES: {
  requirement: string;
  sql: (o: string, n: NeedTermsSql) => string;
  params: (r: Requirements) => unknown[];
  message: (r: Requirements) => string;
}[] = [
  {
    requirement: 'ehrPlatform',
    sql: (o, n) => `${o}.ehr_platform_codes @> ${n.ehrPlatformCodes}`,
    params: (r) => [pgArray([r.ehrPlatformCode])],
    message: (r) => `The offering does not support the need's EHR platform ${r.ehrPlatformCode}.`,
  },
  {
    requirement: 'region',
    sql: (o, n) => `${o}.region_codes && ${n.coveringRegions}`,
    params: (r) => [pgArray(coveringRegions(r.regionCode))],
    message: (r) => `The offering does not serve the need's region ${r.regionCode}.`,
  },
  {
    requirement: 'certifications',
    sql: (o, n) => `${o}.certifications @> ${n.certifications}`,
    params: (r) => [pgArray([...r.requiredCertifications])],
    message: (r) =>
      `The offering lacks a required certification (the need requires ${r.requiredCertifications.join(', ')}).`,
  },
  {
    requirement: 'languages',
    sql: (o, n) => `${o}.languages @> ${n.languages}`,
    params: (r) => [pgArray([...r.languages])],
    message: (r) => `The offering does not serve every language the need requires (${r.languages.join(', ')}).`,
  },
  {
    requirement: 'coverageHours',
    sql: (o, n) => `(${n.coverages} is null or ${o}.coverage_hours = any(${n.coverages}))`,
    params: (r) => {
      const c = r.coverageHours ? pgArray(coveragesSatisfying(r.coverageHours)) : null;
      return [c, c];
    },
    message: (r) => `The offering does not cover the need's hours (${r.coverageHours}).`,
  },
];

/** SQL: offering `o` (table `offering`) passes the need's terms: published, category, EHR, region, certifications, languages, coverage, not the buyer's own. */
export const offeringServesNeedSql = (
  o: string,
  n: NeedTermsSql,
) => `${o}.status = 'PUBLISHED' and ${o}.category_code = ${n.categoryCode}
     and ${RULES.map((r) => r.sql(o, n)).join(' and ')}
     and ${o}.provider_id is distinct from ${n.buyerId}`;

/** The need's terms as `?` bind parameters (each rule's `params` give the values in the same order). */
export const NEED_TERMS_PARAMETERS: NeedTermsSql = {
  categoryCode: '?',
  ehrPlatformCodes: '?::text[]',
  coveringRegions: '?::text[]',
  certifications: '?::text[]',
  languages: '?::text[]',
  coverages: '?::text[]',
  buyerId: '?::uuid',
};

/** SQL select list with one boolean column per hard rule (`hard_rule_<i>`) for offering `o` and the need `r`, with its bindings. */
export const hardRuleChecks = (o: string, r: Requirements) => ({
  sql: RULES.map((rule, i) => `(${rule.sql(o, NEED_TERMS_PARAMETERS)}) as hard_rule_${i}`).join(', '),
  params: RULES.flatMap((rule) => rule.params(r)),
  all: RULES.map((_, i) => `hard_rule_${i}`).join(' and '),
});

/** The first hard rule a row of `hardRuleChecks` fails, with the message naming it, or null when it passes them all. */
export function hardRuleMiss(
  row: Record<string, unknown>,
  r: Requirements,
): { requirement: string; message: string } | null {
  const i = RULES.findIndex((_, k) => !row[`hard_rule_${k}`]);
  return i >= 0 ? { requirement: RULES[i].requirement, message: RULES[i].message(r) } : null;
}

/** SQL: the cap on active engagements of provider `p` (table `organization`) in its current phase; NULL = unlimited. */
export const engagementCapSql = (p: string) =>
  `(${p}.phase_policy -> ${p}.current_phase ->> 'maxActiveEngagements')::int`;

/** The coverage levels that satisfy a need asking for `level`: that level or a longer one. */
export const coveragesSatisfying = (level: string) =>
  COVERAGE_ORDER.slice(COVERAGE_ORDER.indexOf(level as (typeof COVERAGE_ORDER)[number]));

/** SQL (text[] or NULL) of `coveragesSatisfying` the coverage level in the expression `level`. */
export const coveragesSatisfyingSql = (level: string) =>
  `(case ${level} ${COVERAGE_ORDER.map(
    (c) =>
      `when '${c}' then array[${coveragesSatisfying(c)
        .map((x) => `'${x}'`)
        .join(', ')}]::text[]`,
  ).join(' ')} end)`;

/** JSON object of every region code to its `coveringRegions`, for SQL that looks needs' regions up (a parameter). */
export const coveringRegionsJson = JSON.stringify(
  Object.fromEntries(regions.map((r) => [r.code, coveringRegions(r.code)])),
);

/** SQL: text[] of the covering regions of the region code `code`, from the `coveringRegionsJson` parameter `json`. */
export const coveringRegionsSql = (json: string, code: string) =>
  `array(select jsonb_array_elements_text(${json}::jsonb -> ${code}))`;
