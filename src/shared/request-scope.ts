// Per-request facts that deep layers need without threading them through every call (SQL statement count).
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  requestId: string;
  sqlStatements: number;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function countSqlStatement(): void {
  const scope = requestScope.getStore();
  if (scope) scope.sqlStatements++;
}
