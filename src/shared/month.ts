// Calendar months as `YYYY-MM` strings: ordering, arithmetic and ranges in UTC.
export type Month = string;

export const monthOf = (d: Date): Month => d.toISOString().slice(0, 7);
export const currentMonth = (now = new Date()): Month => monthOf(now);

export function addMonths(m: Month, n: number): Month {
  const [y, mo] = m.split('-').map(Number);
  const idx = y * 12 + (mo - 1) + n;
  return `${String(Math.floor(idx / 12)).padStart(4, '0')}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

export function monthsBetween(from: Month, to: Month): number {
  const [fy, fm] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm);
}

/** Inclusive range of months from `from` to `to`. */
export function monthRange(from: Month, to: Month): Month[] {
  const n = monthsBetween(from, to);
  return Array.from({ length: Math.max(0, n + 1) }, (_, i) => addMonths(from, i));
}

/** First day of the month, for DATE columns. */
export const monthStart = (m: Month): Date => new Date(`${m}-01T00:00:00.000Z`);
