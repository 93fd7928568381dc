// Exact money arithmetic on decimal strings (decimal.js); amounts round half-up to cents.
import Decimal from 'decimal.js';
import { ValidateBy } from 'class-validator';

export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type MoneyValue = InstanceType<typeof Money>;

/** At most `places` decimal places. */
export const hasAtMostPlaces = (value: string, places: number) => new Money(value).decimalPlaces() <= places;

/** Cents, rounded half-up. */
export const toCents = (v: Decimal.Value): string => new Money(v).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

/** Canonical text of a price: at least 2 decimals, at most 4, no trailing zeros beyond 2 (`5.00`, `0.035`). */
export function formatPrice(v: Decimal.Value): string {
  const d = new Money(v);
  return d.decimalPlaces() <= 2 ? d.toFixed(2) : d.toFixed(Math.min(4, d.decimalPlaces()));
}

/** Money bounds of the contract (API.md), within what the columns hold. */
export const MAX_UNIT_PRICE = '999999.9999';
export const MAX_FEE = '99999999.99';
export const MAX_TOTAL = '9999999999.99';

/** class-validator rule for a Decimal input: at most `max` (BAD_USER_INPUT naming the field). */
export function MoneyAtMost(max: string, what: string) {
  return ValidateBy({
    name: 'moneyAtMost',
    validator: {
      validate: (v: unknown) => v === null || v === undefined || (typeof v === 'string' && new Money(v).lte(max)),
      defaultMessage: (a) => `${a?.property ?? what} must be at most ${max} (${what})`,
    },
  });
}
