// One structured log line and the Prometheus figures for every request to /graphql. What Apollo
// learns (operation, key, error codes, cost) is kept per request beside the request scope.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { requestScope, type RequestScope } from '../shared/request-scope';
import { clientIp, type TrustProxy } from '../shared/client-ip';
import type { RequestContext } from '../access/context';
import { metrics, operationLabel } from '../shared/metrics';

export interface RequestFacts {
  ip: string;
  /** Apollo saw the request (false for requests refused before it, e.g. a body over the limit). */
  graphql: boolean;
  resolved: boolean;
  operationName?: string | null;
  /** The metrics label of the operation (metrics.ts `operationLabel`). */
  operationLabel?: string;
  operationType?: string;
  apiKeyId?: string;
  role?: string;
  cost?: number;
  errorCodes: string[];
}

const factsByScope = new WeakMap<RequestScope, RequestFacts>();

/** The facts of the request being handled, when there is one. */
export function requestFacts(): RequestFacts | undefined {
  const scope = requestScope.getStore();
  return scope && factsByScope.get(scope);
}

export function noteErrorCodes(errors: readonly GraphQLFormattedError[] | undefined): void {
  const facts = requestFacts();
  if (facts && errors)
    facts.errorCodes.push(...errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
}

/** Call inside the request scope: logs and measures the request when the response is sent. */
export function logRequests(log: Logger, trust: TrustProxy) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const scope = requestScope.getStore()!;
    const facts: RequestFacts = { ip: clientIp(req, trust), graphql: false, resolved: false, errorCodes: [] };
    factsByScope.set(scope, facts);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const operation = facts.graphql ? (facts.operationLabel ?? '(invalid)') : '(none)';
      metrics.requests.inc({ operation, status: String(res.statusCode) });
      metrics.duration.observe({ operation }, seconds);
      for (const code of facts.errorCodes) metrics.errors.inc({ code });
      log.info(
        {
          requestId: scope.requestId,
          traceId: scope.span?.spanContext().traceId,
          method: req.method,
          operationName: facts.operationName ?? undefined,
          operationType: facts.operationType,
          apiKeyId: facts.apiKeyId,
          role: facts.role,
          status: res.statusCode,
          durationMs: Math.round(seconds * 10_000) / 10,
          sqlStatements: scope.sqlStatements,
          cost: facts.cost,
          errorCodes: facts.errorCodes.length ? [...new Set(facts.errorCodes)] : undefined,
          ip: facts.ip,
        },
        'graphql request',
      );
    });
  };
}

/** Records what Apollo learns about the request into its facts. */
export const requestFactsPlugin: ApolloServerPlugin<RequestContext> = {
  async contextCreationDidFail({ error }) {
    const facts = requestFacts();
    if (facts) {
      facts.graphql = true;
      facts.errorCodes.push(
        String((error as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
      );
    }
  },
  async requestDidStart({ contextValue }) {
    const facts = requestFacts();
    if (!facts) return;
    facts.graphql = true;
    facts.apiKeyId = contextValue.viewer?.apiKeyId;
    facts.role = contextValue.viewer?.role;
    return {
      async didResolveOperation({ operation, operationName }) {
        facts.resolved = true;
        facts.operationName = operationName;
        facts.operationLabel = operationLabel(operation, true);
        facts.operationType = operation?.operation;
      },
      async willSendResponse({ response }) {
        if (response.body.kind === 'single') noteErrorCodes(response.body.singleResult.errors);
      },
    };
  },
};
