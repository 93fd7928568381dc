// Top-level GraphQL errors (auth, visibility, malformed input) and business-rule userErrors.
import { GraphQLError } from 'graphql';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export type TopLevelCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  // Retryable (503, Retry-After; nothing was changed): a deadlock or serialization failure after every retry, a lock or statement timeout.
  | 'TRANSACTION_CONFLICT'
  | 'DATABASE_BUSY'
  | 'INTERNAL_SERVER_ERROR';

/** Codes whose messages are written for clients; anything else is masked. */
export const PUBLIC_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
]);

const httpStatus: Partial<Record<TopLevelCode, number>> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

export function topLevelError(code: TopLevelCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = httpStatus[code];
  return new GraphQLError(message, { extensions: { code, ...extra, ...(status ? { http: { status } } : {}) } });
}

export const unauthenticated = (message = 'A valid API key is required (Authorization: Bearer <key>).') =>
  topLevelError('UNAUTHENTICATED', message);
export const forbidden = (message = 'This API key may not do that.') => topLevelError('FORBIDDEN', message);
/** The same answer for a missing id and for something that exists but is not visible to the viewer. */
export const notFound = (what: string) => topLevelError('NOT_FOUND', `${what} not found.`);
export const badInput = (message: string, field?: string) =>
  topLevelError('BAD_USER_INPUT', message, field ? { field } : {});

export enum UserErrorCode {
  VALIDATION = 'VALIDATION',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  CAPACITY_EXCEEDED = 'CAPACITY_EXCEEDED',
  PHASE_LIMIT_REACHED = 'PHASE_LIMIT_REACHED',
  QUOTE_EXPIRED = 'QUOTE_EXPIRED',
  GATE_NOT_MET = 'GATE_NOT_MET',
  BAA_REQUIRED = 'BAA_REQUIRED',
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
  CONFLICT = 'CONFLICT',
  NOT_ELIGIBLE = 'NOT_ELIGIBLE',
}
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a mutation was refused on business rules; nothing was changed.',
  valuesConfig: {
    VALIDATION: {
      description: 'An input value is out of range or refers to unknown reference data; `field` names it.',
    },
    INVALID_TRANSITION: { description: 'The object is not in a state that allows this action.' },
    CAPACITY_EXCEEDED: {
      description:
        'Not enough sellable capacity; `month`, `requestedUnits` and `availableUnits` say where (one userError per month), and so does the message.',
    },
    PHASE_LIMIT_REACHED: { description: "The provider's current phase allows no more active engagements." },
    QUOTE_EXPIRED: { description: 'The quote is past its validity.' },
    GATE_NOT_MET: {
      description:
        'The phase gate is not met; `metric` (and `month`, for a report) names what failed when one did, and the message says why.',
    },
    BAA_REQUIRED: { description: 'A signed business associate agreement is required first.' },
    IDEMPOTENCY_CONFLICT: { description: 'The idempotency key was already used with a different input.' },
    CONFLICT: { description: 'The change conflicts with existing data (for example a duplicate name).' },
    NOT_ELIGIBLE: {
      description:
        'The offering misses a hard rule of matching for the need; `requirement` names it (ehrPlatform, region, certifications, coverageHours or languages).',
    },
  },
});

@ObjectType({
  simpleResolvers: true,
  description: 'A business-rule failure of a mutation. When any is returned, nothing was changed.',
})
export class UserError {
  @Field(() => UserErrorCode, { description: 'Machine-readable reason.' })
  code!: UserErrorCode;

  @Field(() => String, {
    nullable: true,
    description: 'Input path of the offending field, e.g. `input.pricing.unitPrice`.',
  })
  field?: string | null;

  @Field({ description: 'Human-readable explanation.' })
  message!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The month (`YYYY-MM`) the refusal concerns: the short month for `CAPACITY_EXCEEDED`, the failing report's month for `GATE_NOT_MET`.",
  })
  month?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      '`CAPACITY_EXCEEDED`: the units that must fit in `month` (those requested, or those already reserved when capacity is lowered).',
  })
  requestedUnits?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: '`CAPACITY_EXCEEDED`: the units `month` has for them (available, or sellable under the new capacity).',
  })
  availableUnits?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      '`GATE_NOT_MET`: the failing metric, an SLA metric of the report for an engagement gate, or `monthsInPhase`, `reports` or `attainment` for a provider gate; null when reports are missing.',
  })
  metric?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      '`NOT_ELIGIBLE`: the requirement of the need the offering misses (ehrPlatform, region, certifications, coverageHours, languages).',
  })
  requirement?: string | null;

  constructor(code: UserErrorCode, message: string, field?: string, data: UserErrorData = {}) {
    this.code = code;
    this.message = message;
    this.field = field ?? null;
    this.month = data.month ?? null;
    this.requestedUnits = data.requestedUnits ?? null;
    this.availableUnits = data.availableUnits ?? null;
    this.metric = data.metric ?? null;
    this.requirement = data.requirement ?? null;
  }
}

/** Typed details a userError carries besides its message, by code (see the fields' descriptions). */
export type UserErrorData = Partial<
  Pick<UserError, 'month' | 'requestedUnits' | 'availableUnits' | 'metric' | 'requirement'>
>;

/** Thrown inside a unit of work to roll it back and report userErrors in the payload. */
export class UserErrors extends Error {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export const refuse = (code: UserErrorCode, message: string, field?: string, data?: UserErrorData): never => {
  throw new UserErrors([new UserError(code, message, field, data)]);
};
export const invalid = (field: string, message: string): never => refuse(UserErrorCode.VALIDATION, message, field);
