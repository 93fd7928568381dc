// Per-request facts that deep layers need without threading them through every call (SQL statement
// counts, the operation's type, the read replica it reads from).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';
import { metrics } from './metrics';

export interface RequestScope {
  requestId: string;
  sqlStatements: number;
  /** Of sqlStatements, those sent to a read replica. */
  replicaStatements?: number;
  /** The GraphQL operation's type, once known. */
  operation?: 'query' | 'mutation' | 'subscription';
  /** Set when a query operation that read from a replica must run again on the primary. */
  primaryOnly?: boolean;
  /** A COMMIT was sent and its answer has not arrived (db/commit-outcome.ts). */
  commitInFlight?: boolean;
  /** The GraphQL operation's span when tracing is on (shared/tracing.ts). */
  span?: Span;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function countSqlStatement(): void {
  const scope = requestScope.getStore();
  if (scope) scope.sqlStatements++;
}

/** A statement sent to a read replica (counted per operation type: a mutation must never have one). */
export function countReplicaStatement(): void {
  const scope = requestScope.getStore();
  if (scope) scope.replicaStatements = (scope.replicaStatements ?? 0) + 1;
  metrics.replicaStatements.inc({ operation: scope?.operation ?? 'background' });
}
