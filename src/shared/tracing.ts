// OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK then reads the usual
// OTEL_* variables: exporter protocol, headers, service name). When it is off, nothing of the SDK is
// loaded and nothing is hooked: the quote flow pays nothing. When on: a span per GraphQL operation
// (child of the caller's W3C `traceparent` when one is sent), a span per SQL statement under it, and
// the trace id in the request log line.
import type { Tracer } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { LogContext } from '@mikro-orm/core';
import { requestScope } from './request-scope';

type OtelApi = typeof import('@opentelemetry/api');
/** Span processors for tests (an in-memory exporter); in production the SDK builds the OTLP exporter. */
type SpanProcessors = NonNullable<
  ConstructorParameters<typeof import('@opentelemetry/sdk-node').NodeSDK>[0]
>['spanProcessors'];

let otel: { api: OtelApi; tracer: Tracer; shutdown: () => Promise<void> } | null = null;

export const tracingOn = () => otel !== null;

/** Starts the OpenTelemetry SDK once per process (SDK and exporters are loaded only now). */
export async function startTracing(options: { spanProcessors?: SpanProcessors } = {}): Promise<void> {
  if (otel) return;
  const [{ NodeSDK }, api] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/api')]);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'health-services-exchange',
    instrumentations: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  otel = { api, tracer: api.trace.getTracer('health-services-exchange'), shutdown: () => sdk.shutdown() };
}

/** Flushes and stops the SDK. */
export async function stopTracing(): Promise<void> {
  const current = otel;
  otel = null;
  await current?.shutdown();
}

/** Apollo plugin (installed only when tracing is on): one span per GraphQL operation. */
export function tracingPlugin(): ApolloServerPlugin {
  const { api, tracer } = otel!;
  return {
    async requestDidStart({ request }) {
      const headers = request.http?.headers;
      const parent = headers
        ? api.propagation.extract(api.ROOT_CONTEXT, headers, {
            keys: (h) => [...h.keys()],
            get: (h, key) => h.get(key),
          })
        : api.ROOT_CONTEXT;
      const span = tracer.startSpan(
        'graphql',
        { kind: api.SpanKind.SERVER, attributes: { 'graphql.operation.name': request.operationName ?? undefined } },
        parent,
      );
      const scope = requestScope.getStore();
      if (scope) scope.span = span;
      return {
        async didResolveOperation({ operation, operationName }) {
          const type = operation?.operation ?? 'graphql';
          span.updateName(`${type} ${operationName ?? 'anonymous'}`);
          span.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': operationName ?? undefined });
        },
        async didEncounterErrors({ errors }) {
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: errors[0]?.message });
          span.setAttribute('graphql.error.codes', [
            ...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))),
          ]);
        },
        async willSendResponse() {
          span.end();
        },
      };
    },
  };
}

/**
 * A span for one SQL statement that just ran (`tookMs` long), under the current GraphQL operation's;
 * statements outside an operation (background workers) are not traced.
 */
export function recordSqlSpan(sql: string, tookMs: number | undefined, failed = false): void {
  const parent = otel && requestScope.getStore()?.span;
  if (!parent) return;
  const { api, tracer } = otel!;
  const end = Date.now();
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? 'sql';
  const span = tracer.startSpan(
    `sql ${verb}`,
    {
      kind: api.SpanKind.CLIENT,
      startTime: end - (tookMs ?? 0),
      attributes: { 'db.system': 'postgresql', 'db.statement': sql.length > 2000 ? `${sql.slice(0, 2000)}...` : sql },
    },
    api.trace.setSpan(api.ROOT_CONTEXT, parent),
  );
  if (failed) span.setStatus({ code: api.SpanStatusCode.ERROR });
  span.end(end);
}

/** MikroORM's query log as SQL spans: a logger factory for the ORM, used only when tracing is on. */
export const sqlSpansFromQueryLog = (context: LogContext) =>
  recordSqlSpan(String(context.query ?? ''), context.took, context.level === 'error');
