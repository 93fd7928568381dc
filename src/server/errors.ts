// Turns every error leaving the API into its public form: known codes pass, the rest is masked and logged.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ArgumentValidationError } from 'type-graphql';
import type { Logger } from 'pino';
import { PUBLIC_CODES } from '../shared/errors';
import { requestScope } from '../shared/request-scope';
import { commitOutcomeUnknown } from '../db/commit-outcome';
import { isTransactionConflict } from '../shared/retry';

/** Errors raised by GraphQL itself for malformed requests; their messages describe the request only. */
const MALFORMED = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Field, enum and input suggestions ("Did you mean ...?") would let anyone map the schema without
 * introspection. graphql-armor masks field suggestions; this also catches enum and input ones.
 */
const hideSuggestions = (message: string) => message.replace(/\s*(Did you mean[^?]*|\[Suggestion hidden\])\?/g, '');

/** Limits are not revealed (graphql-js's token limit names its number); armor's refusals are not syntax errors. */
const hideLimits = (message: string) =>
  message
    .replace(/Document contains more th\w+ \d+ tokens\. Parsing aborted\./, 'Query is too long.')
    .replace(/^Syntax Error: (Query (is|uses) )/, '$1');

export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { locations: formatted.locations, path: formatted.path };
    if (original instanceof ArgumentValidationError) {
      const fields = flattenValidation(original.extensions.validationErrors as ValidationLike[]);
      return {
        ...base,
        message: `Invalid input: ${fields.map((f) => `${f.field}: ${f.messages.join(', ')}`).join('; ')}`,
        extensions: { code: 'BAD_USER_INPUT', validationErrors: fields },
      };
    }
    const code = String(formatted.extensions?.code ?? '');
    if (PUBLIC_CODES.has(code) || MALFORMED.has(code)) {
      const { stacktrace: _s, http: _h, exception: _e, ...ext } = formatted.extensions ?? {};
      const publicCode = MALFORMED.has(code) && !code.startsWith('PERSISTED_QUERY') ? 'BAD_USER_INPUT' : code;
      return {
        ...base,
        message: hideLimits(hideSuggestions(formatted.message)),
        extensions: { ...ext, code: publicCode },
      };
    }
    const requestId = requestScope.getStore()?.requestId;
    if (isDatabaseUnavailable(original) && commitOutcomeUnknown()) {
      log.warn({ err: original, requestId }, 'connection lost after COMMIT was sent: outcome unknown');
      return { ...base, message: OUTCOME_UNKNOWN, extensions: { code: 'OUTCOME_UNKNOWN', retryable: true, requestId } };
    }
    // Rolled back whole by PostgreSQL: a deadlock or serialization failure still there after
    // shared/retry.ts's attempts, or a lock or statement timeout under load. Nothing was changed; the
    // client retries (503 and Retry-After, set in app.ts for every retryable error).
    const busy = isTransactionConflict(original)
      ? 'TRANSACTION_CONFLICT'
      : isDatabaseBusy(original)
        ? 'DATABASE_BUSY'
        : null;
    if (busy) {
      log.warn(
        { err: original, requestId, path: formatted.path },
        busy === 'TRANSACTION_CONFLICT' ? 'transaction conflict after every retry' : 'database busy',
      );
      return { ...base, message: DATABASE_BUSY, extensions: { code: busy, retryable: true, requestId } };
    }
    if (formatted.extensions?.retryable || isDatabaseUnavailable(original)) {
      log.warn({ err: original, requestId }, 'database unavailable');
      return {
        ...base,
        message: DATABASE_UNAVAILABLE,
        extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: true, requestId },
      };
    }
    log.error({ err: original, requestId, path: formatted.path }, 'unexpected error');
    return { ...base, message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
  };
}

const DATABASE_UNAVAILABLE = 'The database is unavailable; nothing was changed. Retry shortly.';
const DATABASE_BUSY =
  'The database was too busy with concurrent changes to apply this one; nothing was changed. Retry shortly.';
const OUTCOME_UNKNOWN =
  'The connection to the database was lost while the change was being committed: it may have been applied; retry with the same idempotency key.';

/**
 * The error for a request refused before execution because the database is unreachable (context
 * creation): HTTP 503 and Retry-After here; errors during execution get them in app.ts's response plugin.
 */
export const databaseUnavailable = () =>
  new GraphQLError(DATABASE_UNAVAILABLE, {
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      retryable: true,
      http: { status: 503, headers: new HeaderMap([['retry-after', '1']]) },
    },
  });

/** PostgreSQL states and socket errors that mean "not reachable right now": the transaction did not commit. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** Lock timeout (55P03) or statement timeout (57014): the statement was cancelled and its transaction rolled back. */
export function isDatabaseBusy(error: unknown): boolean {
  for (
    let e = error as { code?: string; cause?: unknown; previous?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (e.code === '55P03' || e.code === '57014') return true;
    e = (e.cause ?? e.previous) as typeof e;
  }
  return false;
}

/** Whether an error means the database could not be reached (the request is safe to retry). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: string; message?: string; cause?: unknown; previous?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    // Class 08 is "connection exception": PgBouncer answers 08P01 when the server is gone or cannot be reached.
    // knex reports a transaction whose BEGIN met a lost connection as "Transaction query already complete"
    // on its first statement (seen through PgBouncer while the primary restarts): nothing ran.
    if (
      (e.code && (UNAVAILABLE.has(e.code) || e.code.startsWith('08'))) ||
      /Transaction query already complete|Connection terminated|Timeout acquiring a connection|connect ECONNREFUSED|the database system is (shutting down|starting up)/.test(
        e.message ?? '',
      )
    )
      return true;
    e = (e.cause ?? e.previous) as typeof e;
  }
  return false;
}

interface ValidationLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationLike[];
}

function flattenValidation(errors: ValidationLike[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}
