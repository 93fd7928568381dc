// Phase policies as pure rules: the default policy, validation, and sellable units of a month.
import Decimal from 'decimal.js';

export interface PhaseDefinition {
  name: string;
  /** Share of total capacity that may be sold externally, 0 < share <= 1. */
  maxExternalShare: number;
  /** Active engagements allowed in the phase; null = unlimited. */
  maxActiveEngagements: number | null;
}

export const DEFAULT_PHASE_POLICY: readonly PhaseDefinition[] = [
  { name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 2 },
  { name: 'EXPANSION', maxExternalShare: 0.25, maxActiveEngagements: 10 },
  { name: 'SCALE', maxExternalShare: 0.5, maxActiveEngagements: null },
];

/** floor(total x share), computed exactly (0.29 x 100 is 29, not 28.999...). */
export function sellableUnits(totalUnits: number, share: number): number {
  return new Decimal(totalUnits)
    .times(new Decimal(String(share)))
    .floor()
    .toNumber();
}

/** Problems with a proposed policy, as [field, message] pairs; empty when valid. */
export function policyProblems(phases: PhaseDefinition[]): [string, string][] {
  const problems: [string, string][] = [];
  if (phases.length < 1 || phases.length > 10) problems.push(['input.phases', 'A policy has 1 to 10 phases.']);
  const names = new Set<string>();
  phases.forEach((p, i) => {
    const field = `input.phases.${i}`;
    if (!/^[A-Z][A-Z0-9_]{0,39}$/.test(p.name))
      problems.push([`${field}.name`, 'Phase names are upper-case letters, digits and underscores (at most 40).']);
    if (names.has(p.name)) problems.push([`${field}.name`, `Phase name ${p.name} appears twice.`]);
    names.add(p.name);
    if (!(p.maxExternalShare > 0 && p.maxExternalShare <= 1))
      problems.push([`${field}.maxExternalShare`, 'maxExternalShare must be greater than 0 and at most 1.']);
    if (i > 0 && p.maxExternalShare < phases[i - 1].maxExternalShare) {
      problems.push([`${field}.maxExternalShare`, 'maxExternalShare may not decrease from one phase to the next.']);
    }
    if (p.maxActiveEngagements !== null && !(Number.isInteger(p.maxActiveEngagements) && p.maxActiveEngagements >= 0)) {
      problems.push([
        `${field}.maxActiveEngagements`,
        'maxActiveEngagements must be a whole number >= 0, or null for unlimited.',
      ]);
    }
  });
  return problems;
}

const cap = (n: number | null) => (n === null ? Infinity : n);
const looser = (a: PhaseDefinition, b: PhaseDefinition) =>
  a.maxExternalShare > b.maxExternalShare || cap(a.maxActiveEngagements) > cap(b.maxActiveEngagements);

/**
 * Whether replacing `current` (in force at index `currentAt`) by `next` (in force at `nextAt`) loosens
 * any limit: more phases to advance into, a higher share or engagement cap at some position, or a
 * looser phase in force. A provider's own change that loosens waits for the operator.
 */
export function loosens(
  current: readonly PhaseDefinition[],
  currentAt: number,
  next: readonly PhaseDefinition[],
  nextAt: number,
): boolean {
  if (next.length - nextAt > current.length - currentAt) return true;
  if (looser(next[nextAt], current[currentAt])) return true;
  return next.some((p, i) => i >= current.length || looser(p, current[i]));
}

/** Index of the phase in force after a policy change: the phase of the same name, else the same position (clamped). */
export function phaseInForceAfter(
  current: readonly PhaseDefinition[],
  currentAt: number,
  next: readonly PhaseDefinition[],
): number {
  const sameName = next.findIndex((p) => p.name === current[currentAt].name);
  return sameName >= 0 ? sameName : Math.min(currentAt, next.length - 1);
}

/** The provider phase gate: time in the phase and SLA attainment across its engagements. */
export const PROVIDER_GATE = { minMonthsInPhase: 3, minReports: 3, minAttainment: 0.95 } as const;

interface ProviderRecord {
  monthsInPhase: number;
  reports: number;
  attainment: number | null;
}

/** Null when a provider may advance on its own record, else why not and the failing metric (a field of the record). */
export function providerGateMiss(s: ProviderRecord): { message: string; metric: keyof ProviderRecord } | null {
  const g = PROVIDER_GATE;
  if (s.monthsInPhase < g.minMonthsInPhase)
    return {
      metric: 'monthsInPhase',
      message: `The phase gate needs ${g.minMonthsInPhase} months in the current phase; ${s.monthsInPhase} so far.`,
    };
  if (s.reports < g.minReports)
    return {
      metric: 'reports',
      message: `The phase gate needs ${g.minReports} performance reports across engagements in this phase; ${s.reports} so far.`,
    };
  if ((s.attainment ?? 0) < g.minAttainment) {
    return {
      metric: 'attainment',
      message: `The phase gate needs ${g.minAttainment * 100}% SLA attainment across engagements in this phase; it is ${Math.round((s.attainment ?? 0) * 1000) / 10}%.`,
    };
  }
  return null;
}
