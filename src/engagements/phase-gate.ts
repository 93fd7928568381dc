// Pure rules of the engagement phase gate and SLA evaluation.
import type { SlaTarget } from '../catalog/offering.entity';
import { SlaDirection } from '../catalog/offering.entity';
import type { MetricResult } from './performance-report.entity';

export const meets = (value: number, t: Pick<SlaTarget, 'target' | 'direction'>) =>
  t.direction === SlaDirection.AT_LEAST ? value >= t.target : value <= t.target;

/** Evaluates delivered values against the targets: each metric with `met`, and the share met. */
export function evaluate(
  targets: SlaTarget[],
  values: Map<string, number>,
): { metrics: MetricResult[]; attainment: number; allMet: boolean } {
  const metrics = targets.map((t) => {
    const value = values.get(t.metric)!;
    return { metric: t.metric, value, target: t.target, direction: t.direction, met: meets(value, t) };
  });
  const met = metrics.filter((m) => m.met).length;
  return { metrics, attainment: metrics.length ? met / metrics.length : 1, allMet: met === metrics.length };
}

/** A metric is a percentage when its target's unit says so or its name ends in `_pct`. */
export const isPercentMetric = (t: Pick<SlaTarget, 'metric' | 'unit'>) =>
  ['%', 'percent'].includes(t.unit.trim().toLowerCase()) || t.metric.endsWith('_pct');

/** Why a reported value cannot be true, or null: never negative; percentages lie in 0..100. */
export function metricValueProblem(t: Pick<SlaTarget, 'metric' | 'unit'>, value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return `${t.metric} cannot be negative.`;
  if (isPercentMetric(t) && value > 100) return `${t.metric} is a percentage: it lies between 0 and 100.`;
  return null;
}

export interface GateReport {
  month: string;
  metrics: MetricResult[];
  /** Disputed by the buyer side and not yet resolved: the gate waits for it. */
  disputed?: boolean;
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
    return {
      message: `The gate needs ${n} monthly report(s) in ${phase} meeting every SLA target; ${reportsNewestFirst.length} recorded so far.`,
      metric: null,
      month: null,
    };
  }
  for (const r of reportsNewestFirst.slice(0, n)) {
    if (r.disputed) {
      return {
        message: `Report ${r.month} is disputed by the buyer side; it counts for the gate once the dispute is resolved (resolvePerformanceDispute).`,
        metric: null,
        month: r.month,
      };
    }
    const missed = r.metrics.filter((m) => !m.met);
    if (missed.length) {
      const what = missed
        .map(
          (m) => `${m.metric} ${m.value} (target ${m.direction === SlaDirection.AT_LEAST ? '>=' : '<='} ${m.target})`,
        )
        .join(', ');
      return {
        message: `Report ${r.month} missed ${what}; the last ${n} report(s) in ${phase} must meet every target.`,
        metric: missed[0].metric,
        month: r.month,
      };
    }
  }
  return null;
}

/** `gateMiss`'s reason alone. */
export const gateFailure = (phase: string, reportsNewestFirst: GateReport[], n: number): string | null =>
  gateMiss(phase, reportsNewestFirst, n)?.message ?? null;
