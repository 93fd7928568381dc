// A deadlock or serialization failure still there after shared/retry.ts's attempts, or a lock or statement
// timeout, rolled the transaction back: the client gets a retryable error (503 in app.ts), not INTERNAL_SERVER_ERROR.
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { formatError } from '../src/server/errors';

const format = formatError(pino({ level: 'silent' }));
const resolverError = (cause: Error) =>
  new GraphQLError(cause.message, { originalError: cause, path: ['acceptQuote'] });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

it.each([
  ['40P01', 'deadlock detected', 'TRANSACTION_CONFLICT'],
  ['40001', 'could not serialize access due to concurrent update', 'TRANSACTION_CONFLICT'],
  ['55P03', 'canceling statement due to lock timeout', 'DATABASE_BUSY'],
  ['57014', 'canceling statement due to statement timeout', 'DATABASE_BUSY'],
])('%s (%s) is %s, retryable', (code, message, expected) => {
  const e = resolverError(pgError(code, message));
  const out = format({ message: e.message, path: ['acceptQuote'], extensions: {} }, e);
  expect(out.extensions).toMatchObject({ code: expected, retryable: true });
  expect(out.message).toMatch(/nothing was changed\. Retry shortly\./);
  expect(out.message).not.toMatch(/deadlock|timeout/);
});

it('any other error stays masked as INTERNAL_SERVER_ERROR, not retryable', () => {
  const e = resolverError(pgError('23505', 'duplicate key value violates unique constraint'));
  const out = format({ message: e.message, path: ['acceptQuote'], extensions: {} }, e);
  expect(out.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  expect(out.extensions?.retryable).toBeUndefined();
});
