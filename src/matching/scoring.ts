// Pure ranking of match candidates: each factor gives a value in 0..1 with a one-line reason; the
// score is the sum of weight x value (weights add up to 100). Unit-tested without a database.
import { Money } from '../shared/money';
import { monthCharge } from '../quotes/pricing';
import type { SlaTarget } from '../catalog/offering.entity';

/** Factor weights, in points out of 100. Documented in the README; change them only here. */
export const WEIGHTS = {
  EHR_FIT: 25,
  PROXIMITY: 15,
  PRICE: 20,
  SLA: 15,
  CAPACITY_HEADROOM: 15,
  EXISTING_RELATIONSHIP: 10,
} as const;
export type Factor = keyof typeof WEIGHTS;

export interface FactorScore {
  factor: Factor;
  weight: number;
  value: number;
  reason: string;
}

export interface NeedProfile {
  monthlyVolume: number;
  months: string[];
  ehrPlatformCode: string;
  /** Buyer's EHR product, when the buyer is known. */
  ehrProduct: string | null;
  regionCode: string;
  /** State codes the need's region covers, and its HHS region when it is a state. */
  needStates: string[];
  needHhsRegion: string | null;
  maxUnitPrice: string | null;
  unit: string;
}

export interface Candidate {
  offeringId: string;
  providerState: string;
  providerHhsRegion: string | null;
  providerEhr: string;
  providerEhrProduct: string | null;
  unitPrice: string;
  tiers: { fromUnits: number; unitPrice: string }[];
  monthlyMinimum: string;
  currency: string;
  slaTargets: SlaTarget[];
  /** Average attainment of delivered reports (0..1) and how many; null when none. */
  slaHistory: { attainment: number; reports: number } | null;
  available: number[];
  /** Active engagements between this provider and the buyer; null when not evaluated for this viewer. */
  engagementsWithBuyer: number | null;
}

const round = (x: number, places = 4) => Math.round(x * 10 ** places) / 10 ** places;
const clamp = (x: number) => Math.max(0, Math.min(1, x));
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** What a quote would bill for a steady month at the need's volume (tiers and monthly minimum included). */
export const estimatedMonthlyCost = (c: Pick<Candidate, 'unitPrice' | 'tiers' | 'monthlyMinimum'>, volume: number) =>
  monthCharge(c, volume).amount;

interface Priced {
  monthlyCost: string;
  unitPrice: string;
}

/**
 * A steady month at the need's volume: what it bills, and per unit of the volume (the price the PRICE
 * factor scores). Ranking prices each candidate once with it: pricing is most of scoring's work.
 */
const priced = (c: Pick<Candidate, 'unitPrice' | 'tiers' | 'monthlyMinimum'>, volume: number): Priced => {
  const monthlyCost = estimatedMonthlyCost(c, volume);
  return { monthlyCost, unitPrice: new Money(monthlyCost).div(volume).toString() };
};

/** The price the PRICE factor scores: the estimated monthly cost per unit of the need's volume. */
export const effectiveUnitPrice = (c: Pick<Candidate, 'unitPrice' | 'tiers' | 'monthlyMinimum'>, volume: number) =>
  priced(c, volume).unitPrice;

export function ehrFit(c: Candidate, n: NeedProfile): [number, string] {
  const sameProduct =
    n.ehrProduct &&
    c.providerEhrProduct &&
    n.ehrProduct.trim().toLowerCase() === c.providerEhrProduct.trim().toLowerCase();
  if (c.providerEhr === n.ehrPlatformCode && sameProduct)
    return [1, `Provider runs ${n.ehrPlatformCode} itself, same product (${c.providerEhrProduct}).`];
  if (c.providerEhr === n.ehrPlatformCode) return [0.8, `Provider runs ${n.ehrPlatformCode} itself.`];
  return [0.5, `Provider supports ${n.ehrPlatformCode} (it runs ${c.providerEhr}).`];
}

export function proximity(c: Candidate, n: NeedProfile): [number, string] {
  if (n.needStates.length === 1 && c.providerState === n.needStates[0])
    return [1, `Provider is based in ${c.providerState}, the same state.`];
  if (n.needStates.includes(c.providerState) || (n.needHhsRegion && c.providerHhsRegion === n.needHhsRegion)) {
    return [0.6, `Provider is based in ${c.providerState}, in the same HHS region (${c.providerHhsRegion}).`];
  }
  return [0.3, `Provider is based in ${c.providerState}, outside the region; it serves ${n.regionCode} remotely.`];
}

export function price(
  c: Candidate,
  n: NeedProfile,
  cheapest: string,
  unitPrice = effectiveUnitPrice(c, n.monthlyVolume),
): [number, string] {
  const p = new Money(unitPrice);
  const per = `${c.currency} ${p.toFixed(p.decimalPlaces() > 2 ? 4 : 2)} per ${n.unit.replace(/s$/, '')}`;
  if (n.maxUnitPrice !== null) {
    const max = new Money(n.maxUnitPrice);
    if (p.gt(max)) return [0, `${per} is above the maximum of ${max.toFixed(2)}.`];
    if (max.isZero()) return [0.5, `${per} meets the maximum of 0.`];
    const under = max.minus(p).div(max).toNumber();
    return [0.5 + 0.5 * under, `${per} is ${pct(under)} under the maximum of ${max.toFixed(2)}.`];
  }
  const ratio = p.isZero() ? 1 : new Money(cheapest).div(p).toNumber();
  return [
    ratio,
    ratio === 1
      ? `${per}, the lowest of the candidates (no maximum given).`
      : `${per}; the lowest candidate is ${pct(ratio)} of it (no maximum given).`,
  ];
}

export function sla(c: Candidate): [number, string] {
  const targets = Math.min(1, c.slaTargets.length / 2);
  const listed = c.slaTargets.length ? `${c.slaTargets.length} SLA target(s)` : 'No SLA targets';
  if (!c.slaHistory) return [(targets + 0.5) / 2, `${listed}; no delivery history yet.`];
  return [
    (targets + c.slaHistory.attainment) / 2,
    `${listed}; ${pct(c.slaHistory.attainment)} of targets met across ${c.slaHistory.reports} monthly report(s).`,
  ];
}

export function headroom(c: Candidate, n: NeedProfile): [number, string] {
  // Computed from availability only: sellable units are the provider's private capacity book, and a
  // value relative to them would let anyone derive them from the score.
  const months = n.months.map((month, i) => ({
    month,
    left: c.available[i] - n.monthlyVolume,
    available: c.available[i],
  }));
  const value = (m: (typeof months)[number]) => (m.available > 0 ? clamp(m.left / m.available) : 0);
  const worst = months.reduce((w, m) => (value(m) < value(w) ? m : w));
  if (worst.left < 0) return [0, `Short in ${worst.month}: this need would exceed the provider's limit.`];
  return [value(worst), `Tightest month ${worst.month}: ${worst.left} available units would remain.`];
}

export function relationship(c: Candidate): [number, string] {
  if (c.engagementsWithBuyer === null) return [0, 'Existing engagements are only considered for the buyer side.'];
  return c.engagementsWithBuyer > 0
    ? [
        1,
        `Already working together on ${c.engagementsWithBuyer} active engagement(s): consolidation over fragmentation.`,
      ]
    : [0, 'No active engagement between the two yet.'];
}

export interface Scored {
  candidate: Candidate;
  score: number;
  breakdown: FactorScore[];
  fullyAvailable: boolean;
  minAvailableUnits: number;
  estimatedMonthlyCost: string;
  warnings: string[];
}

export function scoreCandidate(
  c: Candidate,
  n: NeedProfile,
  cheapest: string,
  cost: Priced = priced(c, n.monthlyVolume),
): Scored {
  const factors: [Factor, [number, string]][] = [
    ['EHR_FIT', ehrFit(c, n)],
    ['PROXIMITY', proximity(c, n)],
    ['PRICE', price(c, n, cheapest, cost.unitPrice)],
    ['SLA', sla(c)],
    ['CAPACITY_HEADROOM', headroom(c, n)],
    ['EXISTING_RELATIONSHIP', relationship(c)],
  ];
  const breakdown = factors.map(([factor, [value, reason]]) => ({
    factor,
    weight: WEIGHTS[factor],
    value: round(value),
    reason,
  }));
  const score = round(
    breakdown.reduce((s, f) => s + f.weight * f.value, 0),
    2,
  );
  const short = n.months.map((m, i) => ({ m, a: c.available[i] })).filter((x) => x.a < n.monthlyVolume);
  const minAvailableUnits = Math.min(...c.available);
  const unitPrice = cost.unitPrice;
  const warnings = [
    ...short.map((x) => `${x.m}: only ${Math.max(0, x.a)} of ${n.monthlyVolume} units available.`),
    ...(n.maxUnitPrice !== null && new Money(unitPrice).gt(n.maxUnitPrice) ? ['Unit price is above the maximum.'] : []),
  ];
  return {
    candidate: c,
    score,
    breakdown,
    fullyAvailable: short.length === 0,
    minAvailableUnits,
    estimatedMonthlyCost: cost.monthlyCost,
    warnings,
  };
}

/** Scores and ranks: highest score first, ties broken by offering id so the order is stable. */
export function rank(candidates: Candidate[], n: NeedProfile): Scored[] {
  if (!candidates.length) return [];
  const costs = candidates.map((c) => priced(c, n.monthlyVolume));
  const cheapest = Money.min(...costs.map((p) => p.unitPrice)).toString();
  return candidates
    .map((c, i) => scoreCandidate(c, n, cheapest, costs[i]))
    .sort((a, b) => b.score - a.score || (a.candidate.offeringId < b.candidate.offeringId ? -1 : 1));
}
