// Whether the COMMIT of a request's transaction was sent: when the connection is lost after that,
// the change may or may not have been applied, and the client must be told so (OUTCOME_UNKNOWN),
// not "nothing was changed". MikroORM announces every commit (transaction events).
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import { requestScope } from '../shared/request-scope';

const mark = (inFlight: boolean) => {
  const scope = requestScope.getStore();
  if (scope) scope.commitInFlight = inFlight;
};

export const commitTracker: EventSubscriber = {
  beforeTransactionCommit(_args: TransactionEventArgs) {
    mark(true);
  },
  afterTransactionCommit(_args: TransactionEventArgs) {
    mark(false);
  },
};

/** Whether the request's last COMMIT was sent without its answer arriving. */
export const commitOutcomeUnknown = () => requestScope.getStore()?.commitInFlight === true;

/**
 * A statement of a mutation sent outside a transaction commits by itself: while it runs, its outcome
 * is as unknown as a COMMIT's (a read there is marked too: saying "may have been applied" of a change
 * that was not is safe, the converse is not).
 */
export function autocommitting(inTransaction: boolean): boolean {
  const scope = requestScope.getStore();
  if (inTransaction || scope?.operation !== 'mutation') return false;
  scope.commitInFlight = true;
  return true;
}
export const autocommitted = () => mark(false);
