// Pure quote arithmetic: the ramp schedule and its exact prices. Unit prices come from the offering's
// volume tiers for each month's units, less the discount (kept to 4 decimals, half-up); each month is
// billed at least the monthly minimum and rounded half-up to cents; total = sum of months + setup fee.
import { Money, toCents } from '../shared/money';
import { addMonths } from '../shared/month';
import { EngagementPhase } from '../capacity/engagement-phase';

export interface Ramp {
  startMonth: string;
  durationMonths: number;
  monthlyVolume: number;
  pilotMonths: number;
  pilotUnits: number;
  expansionMonths: number;
  expansionUnits: number;
}

export interface PriceBook {
  unitPrice: string;
  tiers: { fromUnits: number; unitPrice: string }[];
  monthlyMinimum: string;
  setupFee: string;
}

export interface PricedLine {
  month: string;
  units: number;
  phase: EngagementPhase;
  unitPrice: string;
  amount: string;
}

/** Month-by-month units: pilot months, then expansion months, then steady volume to the end. */
export function rampSchedule(r: Ramp): { month: string; units: number; phase: EngagementPhase }[] {
  return Array.from({ length: r.durationMonths }, (_, i) => {
    const phase =
      i < r.pilotMonths
        ? EngagementPhase.PILOT
        : i < r.pilotMonths + r.expansionMonths
          ? EngagementPhase.EXPANSION
          : EngagementPhase.STEADY;
    const units =
      phase === EngagementPhase.PILOT
        ? r.pilotUnits
        : phase === EngagementPhase.EXPANSION
          ? r.expansionUnits
          : r.monthlyVolume;
    return { month: addMonths(r.startMonth, i), units, phase };
  });
}

/** Problems with a ramp against its need, as [field, message]. */
export function rampProblems(r: Ramp): [string, string][] {
  const p: [string, string][] = [];
  if (r.pilotMonths + r.expansionMonths > r.durationMonths)
    p.push([
      'input.expansionMonths',
      `pilotMonths + expansionMonths must fit in the need's ${r.durationMonths} months.`,
    ]);
  if (r.pilotMonths > 0 && !(r.pilotUnits >= 1 && r.pilotUnits <= r.monthlyVolume))
    p.push(['input.pilotUnits', `pilotUnits must be between 1 and the need's monthly volume (${r.monthlyVolume}).`]);
  if (r.expansionMonths > 0 && !(r.expansionUnits >= 1 && r.expansionUnits <= r.monthlyVolume))
    p.push([
      'input.expansionUnits',
      `expansionUnits must be between 1 and the need's monthly volume (${r.monthlyVolume}).`,
    ]);
  return p;
}

/** The unit price for a month of `units`: the highest tier reached, else the base price. */
export function tierUnitPrice(book: Pick<PriceBook, 'unitPrice' | 'tiers'>, units: number): string {
  const tier = [...book.tiers].sort((a, b) => b.fromUnits - a.fromUnits).find((t) => units >= t.fromUnits);
  return tier ? tier.unitPrice : book.unitPrice;
}

export function discounted(unitPrice: string, discountPercent: number): string {
  return new Money(unitPrice)
    .times(new Money(100).minus(String(discountPercent)))
    .div(100)
    .toDecimalPlaces(4)
    .toFixed(4);
}

/** Billed amount of one month: units x price, at least the monthly minimum, in cents. */
export function monthAmount(units: number, unitPrice: string, monthlyMinimum: string): string {
  return toCents(Money.max(new Money(unitPrice).times(units), monthlyMinimum));
}

/**
 * What a month of `units` bills at the book's prices, the one pricing rule of the exchange: quotes
 * bill each schedule month with it, matching estimates a steady month with it.
 */
export function monthCharge(
  book: Pick<PriceBook, 'unitPrice' | 'tiers' | 'monthlyMinimum'>,
  units: number,
  discountPercent = 0,
): { unitPrice: string; amount: string } {
  const unitPrice = discounted(tierUnitPrice(book, units), discountPercent);
  return { unitPrice, amount: monthAmount(units, unitPrice, book.monthlyMinimum) };
}

export function priceSchedule(
  r: Ramp,
  book: PriceBook,
  discountPercent: number,
): { lines: PricedLine[]; total: string; totalUnits: number } {
  const lines = rampSchedule(r).map((l) => ({ ...l, ...monthCharge(book, l.units, discountPercent) }));
  const total = lines.reduce((s, l) => s.plus(l.amount), new Money(book.setupFee));
  return { lines, total: toCents(total), totalUnits: lines.reduce((s, l) => s + l.units, 0) };
}

/**
 * A phase shorter than the gate: the engagement cannot meet its gate within the phase's scheduled
 * months, so it stays in that phase (at that phase's committed volume) past them until enough
 * reports are in. Issuing is allowed (a short pilot may be what both want); the quote says so.
 */
export function quoteWarnings(q: {
  pilotMonths: number;
  expansionMonths: number;
  gateReportCount: number;
  schedule: { phase: string }[];
}): string[] {
  const later = (phase: string) =>
    q.schedule.some((l) => l.phase !== phase && l.phase !== 'PILOT' && (phase === 'PILOT' || l.phase === 'STEADY'));
  return (
    [
      ['PILOT', q.pilotMonths],
      ['EXPANSION', q.expansionMonths],
    ] as const
  )
    .filter(([phase, months]) => months > 0 && months < q.gateReportCount && later(phase))
    .map(
      ([phase, months]) =>
        `${phase} has ${months} month(s) but the phase gate needs ${q.gateReportCount} monthly report(s) in it: the engagement cannot advance when the schedule does, only once ${q.gateReportCount} report(s) meet every SLA target.`,
    );
}
