// Custom scalars of the public API: Month, Decimal, DateTime; JSON comes from graphql-scalars.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { formatPrice } from './money';
export { GraphQLJSON as JSONScalar } from 'graphql-scalars';

/** Years 1000-9999: PostgreSQL has no year 0, and month arithmetic near the ends stays within its dates. */
const MONTH = /^([1-9]\d{3})-(0[1-9]|1[0-2])$/;
/** Up to 4 decimal places, never negative, never exponent notation. */
const DECIMAL = /^(0|[1-9]\d{0,11})(\.\d{1,4})?$/;

function stringScalar(
  name: string,
  description: string,
  check: (v: string) => boolean,
  expected: string,
  serialize: (v: string) => string = String,
) {
  const parse = (value: unknown): string => {
    if (typeof value !== 'string' || !check(value)) {
      throw new GraphQLError(`${name} must be ${expected}; got ${JSON.stringify(value)?.slice(0, 40)}.`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return value;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: (v) => serialize(v as string),
    parseValue: parse,
    parseLiteral: (ast) =>
      parse(
        ast.kind === Kind.STRING
          ? ast.value
          : ast.kind === Kind.NULL
            ? null
            : ((ast as { value?: unknown }).value ?? ast.kind),
      ),
  });
}

export const MonthScalar = stringScalar(
  'Month',
  'A calendar month, `YYYY-MM` with a year from 1000 to 9999 (e.g. `"2027-03"`).',
  (v) => MONTH.test(v),
  'a string YYYY-MM (year 1000-9999)',
);

export const DecimalScalar = stringScalar(
  'Decimal',
  'An exact non-negative decimal number as a string (e.g. `"4.50"`, `"0.0350"`), at most 4 decimal places. Numbers are refused.',
  (v) => DECIMAL.test(v),
  'a non-negative decimal string with at most 4 decimal places',
  (v) => formatPrice(String(v)),
);

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant in ISO 8601, UTC (e.g. `"2027-03-01T12:00:00.000Z"`).',
  serialize: (v) => (v instanceof Date ? v : new Date(v as string)).toISOString(),
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});

function parseDate(v: unknown): Date {
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) {
    throw new GraphQLError('DateTime must be an ISO 8601 string.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return d;
}
