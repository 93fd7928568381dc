// Pure rules of the engagement phase gate and SLA evaluation.
import type { SlaTarget } from '../catalog/offering.entity';
import { SlaDirection } from '../catalog/offering.entity';
import type { MetricResult } from './performance-report.entity';

export const meets = (value: number, t: Pick<SlaTarget, 'target' | 'direction'>) =>
  t.direction === SlaDirection.AT_LEAST ? value >= t.target : value <= t.target;

/** Evaluates delivered values against the targets: each metric with `met`, and the share met. */
export function evaluate(targets: SlaTarget[], values: Map<string, number>): { metrics: MetricResult[]; attainment: number; allMet: boolean } {
  const metrics = targets.map((t) => {
    const value = values.get(t.metric)!;
    return { metric: t.metric, value, target: t.target, direction: t.direction, met: meets(value, t) };
  });
  const met = metrics.filter((m) => m.met).length;
  return { metrics, attainment: metrics.length ? met / metrics.length : 1, allMet: met === metrics.length };
}

export interface GateReport {
  month: string;
  metrics: MetricResult[];
}

/** Why a gate does not hold: the reason a person can act on, and the failing metric and month when one failed. */
export interface GateMiss {
  message: string;
  metric: string | null;
  month: string | null;
}

/**
 * The gate holds when the last `n` reports of the phase (newest first) meet every target.
 * Returns null when it holds, else why not.
 */
export function gateMiss(phase: string, reportsNewestFirst: GateReport[], n: number): GateMiss | null {
  if (reportsNewestFirst.length < n) {
    return { message: `The gate needs ${n} monthly report(s) in ${phase} meeting every SLA target; ${reportsNewestFirst.length} recorded so far.`, metric: null, month: null };
  }
  for (const r of reportsNewestFirst.slice(0, n)) {
    const missed = r.metrics.filter((m) => !m.met);
    if (missed.length) {
      const what = missed.map((m) => `${m.metric} ${m.value} (target ${m.direction === SlaDirection.AT_LEAST ? '>=' : '<='} ${m.target})`).join(', ');
      return { message: `Report ${r.month} missed ${what}; the last ${n} report(s) in ${phase} must meet every target.`, metric: missed[0].metric, month: r.month };
    }
  }
  return null;
}

/** `gateMiss`'s reason alone. */
export const gateFailure = (phase: string, reportsNewestFirst: GateReport[], n: number): string | null => gateMiss(phase, reportsNewestFirst, n)?.message ?? null;
