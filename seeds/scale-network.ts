// A generated network for benchmarks: N providers with 10 offerings each, 24 months of capacity per
// offering, buyers, and 5 needs per provider, with realistic distributions. Deterministic (seeded).
// Inserted in set-based batches: 1,000 providers (240,000 capacity months) take well under 2 minutes.
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { HHS_REGIONS, SERVICE_CATEGORIES } from '../src/reference/reference.data';
import { DEFAULT_PHASE_POLICY } from '../src/organizations/phase-policy';
import { addMonths, currentMonth } from '../src/shared/month';

/** Price range per unit and monthly capacity range, by category. */
const CATEGORY_PROFILE: Record<
  string,
  { price: [number, number]; capacity: [number, number]; sla: [string, number, string, 'AT_LEAST' | 'AT_MOST'][] }
> = {
  REVENUE_CYCLE: {
    price: [4, 7],
    capacity: [20_000, 120_000],
    sla: [
      ['clean_claim_rate_pct', 95, '%', 'AT_LEAST'],
      ['days_in_ar', 45, 'days', 'AT_MOST'],
    ],
  },
  MEDICAL_CODING: { price: [3, 12], capacity: [5_000, 40_000], sla: [['coding_accuracy_pct', 95, '%', 'AT_LEAST']] },
  CALL_CENTER: {
    price: [1.2, 4],
    capacity: [10_000, 80_000],
    sla: [
      ['answered_within_20s_pct', 80, '%', 'AT_LEAST'],
      ['abandonment_rate_pct', 5, '%', 'AT_MOST'],
    ],
  },
  ELIGIBILITY_VERIFICATION: {
    price: [1.5, 5],
    capacity: [10_000, 100_000],
    sla: [['turnaround_hours', 24, 'hours', 'AT_MOST']],
  },
  PRIOR_AUTHORIZATION: {
    price: [8, 25],
    capacity: [2_000, 20_000],
    sla: [['turnaround_hours', 48, 'hours', 'AT_MOST']],
  },
  EHR_IT_SUPPORT: {
    price: [25, 60],
    capacity: [300, 3_000],
    sla: [['first_response_minutes', 30, 'minutes', 'AT_MOST']],
  },
  TRANSCRIPTION: { price: [0.08, 0.15], capacity: [100_000, 1_000_000], sla: [['accuracy_pct', 98, '%', 'AT_LEAST']] },
  CLINICAL_DOCUMENTATION_IMPROVEMENT: {
    price: [15, 30],
    capacity: [2_000, 15_000],
    sla: [['query_response_rate_pct', 90, '%', 'AT_LEAST']],
  },
  REFERRAL_COORDINATION: {
    price: [6, 15],
    capacity: [2_000, 20_000],
    sla: [['turnaround_hours', 48, 'hours', 'AT_MOST']],
  },
  APPOINTMENT_REMINDERS: {
    price: [0.2, 0.6],
    capacity: [50_000, 500_000],
    sla: [['delivery_rate_pct', 97, '%', 'AT_LEAST']],
  },
  AFTER_HOURS_ANSWERING: {
    price: [1.5, 3.5],
    capacity: [5_000, 40_000],
    sla: [['answered_within_30s_pct', 85, '%', 'AT_LEAST']],
  },
  REMOTE_RADIOLOGY: { price: [8, 50], capacity: [1_000, 8_000], sla: [['turnaround_hours', 4, 'hours', 'AT_MOST']] },
  CHRONIC_CARE_MANAGEMENT: {
    price: [40, 70],
    capacity: [500, 5_000],
    sla: [['monthly_contact_rate_pct', 90, '%', 'AT_LEAST']],
  },
  TELEHEALTH: { price: [30, 70], capacity: [1_000, 10_000], sla: [['wait_minutes', 15, 'minutes', 'AT_MOST']] },
  HR_RECRUITMENT: { price: [1500, 4000], capacity: [10, 60], sla: [['time_to_fill_days', 45, 'days', 'AT_MOST']] },
  CYBERSECURITY: {
    price: [4, 12],
    capacity: [2_000, 20_000],
    sla: [['incident_response_minutes', 60, 'minutes', 'AT_MOST']],
  },
  DATA_ANALYTICS: { price: [300, 1500], capacity: [20, 200], sla: [['on_time_delivery_pct', 95, '%', 'AT_LEAST']] },
};

/** Mulberry32: a small deterministic PRNG. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface ScaleOptions {
  providers: number;
  offeringsPerProvider?: number;
  months?: number;
  needsPerProvider?: number;
  buyersPerProvider?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function seedScaleNetwork(
  em: EntityManager,
  o: ScaleOptions,
): Promise<{ providers: number; buyers: number; offerings: number; capacityMonths: number; needs: number }> {
  const rnd = prng(o.seed ?? 42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const between = (a: number, b: number) => a + rnd() * (b - a);
  const offeringsPer = o.offeringsPerProvider ?? 10;
  const months = o.months ?? 24;
  const needsPer = o.needsPerProvider ?? 5;
  const buyersPer = o.buyersPerProvider ?? 2;
  const states: string[] = Object.values(HHS_REGIONS).flatMap((r) => r.states.map((s) => `US-${s}`));
  const hhsOf = new Map<string, string>(
    Object.entries(HHS_REGIONS).flatMap(([code, r]) => r.states.map((s): [string, string] => [`US-${s}`, code])),
  );
  const providerEhrs = ['EPIC', 'EPIC', 'EPIC', 'ORACLE_HEALTH', 'ORACLE_HEALTH', 'MEDITECH_EXPANSE', 'ALTERA_SUNRISE'];
  const buyerEhrs = [
    'MEDITECH_EXPANSE',
    'MEDITECH_LEGACY',
    'TRUBRIDGE',
    'ATHENAHEALTH',
    'ECLINICALWORKS',
    'EPIC',
    'ORACLE_HEALTH',
    'ALTERA_PARAGON',
    'MEDHOST',
    'NEXTGEN',
  ];
  const categories = SERVICE_CATEGORIES.map((c) => c.code);
  const start = currentMonth();
  const run = `${Date.now().toString(36)}`;
  const batches = Math.ceil(o.providers / 100);
  const totals = { providers: 0, buyers: 0, offerings: 0, capacityMonths: 0, needs: 0 };

  for (let batch = 0; batch < batches; batch++) {
    const count = Math.min(100, o.providers - batch * 100);
    const orgs: Record<string, unknown>[] = [];
    const offerings: Record<string, unknown>[] = [];
    const needs: Record<string, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const n = batch * 100 + i;
      const state = pick(states);
      const phase = rnd() < 0.6 ? 0 : rnd() < 0.75 ? 1 : 2;
      const providerId = randomUUID();
      const ehr = pick(providerEhrs);
      orgs.push({
        id: providerId,
        name: `Generated Health System ${n + 1} (${run})`,
        kind: 'HEALTH_SYSTEM',
        state,
        ehr,
        beds: Math.round(between(300, 3000)),
        phase,
      });
      const cats = shuffle(categories, rnd).slice(0, offeringsPer);
      for (const cat of cats) {
        const profile = CATEGORY_PROFILE[cat];
        const price = between(...profile.price);
        const places = price < 1 ? 4 : 2;
        const scope = rnd();
        const regions = scope < 0.4 ? [state] : scope < 0.75 ? [hhsOf.get(state)!] : ['NATIONWIDE'];
        const supported = [...new Set([ehr, ...buyerEhrs.filter(() => rnd() < 0.3)])];
        offerings.push({
          id: randomUUID(),
          provider: providerId,
          cat,
          title: `${SERVICE_CATEGORIES.find((c) => c.code === cat)!.name} by system ${n + 1}`,
          ehrs: supported,
          regions,
          price: price.toFixed(places),
          tier: (price * 0.9).toFixed(places),
          tierFrom: Math.round(profile.capacity[0] / 10),
          setup: (Math.round(between(0, 25)) * 1000).toFixed(2),
          sla: profile.sla.map(([metric, target, unit, direction]) => ({ metric, target, unit, direction })),
          coverage: pick(['BUSINESS_HOURS', 'BUSINESS_HOURS', 'EXTENDED', 'AROUND_THE_CLOCK']),
          langs: rnd() < 0.4 ? ['en', 'es'] : ['en'],
          certs: rnd() < 0.3 ? ['HIPAA_BAA', 'SOC2_TYPE_II', 'HITRUST'] : ['HIPAA_BAA', 'SOC2_TYPE_II'],
          base: Math.round(between(...profile.capacity)),
          share: DEFAULT_PHASE_POLICY[phase].maxExternalShare,
        });
      }
      for (let b = 0; b < buyersPer; b++) {
        const buyerId = randomUUID();
        const bState = rnd() < 0.7 ? pick(HHS_REGIONS[hhsOf.get(state)!].states.map((s) => `US-${s}`)) : pick(states);
        const bEhr = pick(buyerEhrs);
        orgs.push({
          id: buyerId,
          name: `Generated Community Hospital ${n * buyersPer + b + 1} (${run})`,
          kind: rnd() < 0.7 ? 'HOSPITAL' : 'PRACTICE',
          state: bState,
          ehr: bEhr,
          beds: Math.round(between(15, 250)),
          phase: 0,
        });
        for (
          let k = 0;
          k < Math.ceil(needsPer / buyersPer) && totals.needs + needs.length < o.providers * needsPer;
          k++
        ) {
          const cat = pick(categories);
          const profile = CATEGORY_PROFILE[cat];
          needs.push({
            id: randomUUID(),
            buyer: buyerId,
            cat,
            volume: Math.max(1, Math.round(between(profile.capacity[0], profile.capacity[1]) * between(0.002, 0.02))),
            start: `${addMonths(start, Math.floor(rnd() * 6))}-01`,
            duration: pick([3, 6, 6, 12, 12, 12, 18, 24]),
            ehr: bEhr,
            region: bState,
            maxPrice: rnd() < 0.5 ? (between(...profile.price) * 1.1).toFixed(2) : null,
          });
        }
      }
    }
    await em.transactional(async (tx) => {
      await tx.execute(
        `insert into organization (id, name, kind, state_code, ehr_platform_code, beds, certifications, current_phase)
         select id, name, kind, state, ehr, beds, '{HIPAA_BAA,SOC2_TYPE_II}', phase
           from jsonb_to_recordset(?::jsonb) as x(id uuid, name text, kind text, state text, ehr text, beds int, phase smallint)`,
        [JSON.stringify(orgs)],
      );
      await tx.execute(
        `insert into offering (id, provider_id, category_code, title, status, ehr_platform_codes, region_codes, currency, unit_price,
                               setup_fee, monthly_minimum, price_tiers, sla_targets, coverage_hours, languages, certifications)
         select id, provider, cat, title, 'PUBLISHED', array(select jsonb_array_elements_text(ehrs)), array(select jsonb_array_elements_text(regions)),
                'USD', price::numeric, setup::numeric, 0, jsonb_build_array(jsonb_build_object('fromUnits', "tierFrom", 'unitPrice', tier)),
                sla, coverage, array(select jsonb_array_elements_text(langs)), array(select jsonb_array_elements_text(certs))
           from jsonb_to_recordset(?::jsonb) as x(id uuid, provider uuid, cat text, title text, ehrs jsonb, regions jsonb, price text, tier text,
                "tierFrom" int, setup text, sla jsonb, coverage text, langs jsonb, certs jsonb)`,
        [JSON.stringify(offerings)],
      );
      // Capacity with a seasonal swing of +-10%; sellable = floor(total x share of the provider's phase).
      await tx.execute(
        `insert into capacity_month (offering_id, month, total_units, sellable_units)
         select x.id, m.month, t.total, floor(t.total * x.share::numeric)
           from jsonb_to_recordset(?::jsonb) as x(id uuid, base int, share float8)
          cross join lateral (select (?::date + make_interval(months => g))::date as month, g from generate_series(0, ? - 1) g) m
          cross join lateral (select round(x.base * (1 + 0.1 * sin(m.g * pi() / 6)))::int as total) t`,
        [JSON.stringify(offerings.map((x) => ({ id: x.id, base: x.base, share: x.share }))), `${start}-01`, months],
      );
      await tx.execute(
        `insert into need (id, buyer_id, category_code, monthly_volume, start_month, duration_months, ehr_platform_code, region_code, max_unit_price)
         select id, buyer, cat, volume, start::date, duration, ehr, region, "maxPrice"::numeric
           from jsonb_to_recordset(?::jsonb) as x(id uuid, buyer uuid, cat text, volume int, start text, duration int, ehr text, region text, "maxPrice" text)`,
        [JSON.stringify(needs)],
      );
    });
    totals.providers += count;
    totals.buyers += orgs.length - count;
    totals.offerings += offerings.length;
    totals.capacityMonths += offerings.length * months;
    totals.needs += needs.length;
    o.onProgress?.(totals.providers, o.providers);
  }
  return totals;
}
