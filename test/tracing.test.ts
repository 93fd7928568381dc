// OpenTelemetry: with the SDK on (an in-memory exporter instead of OTLP), each GraphQL operation is a
// span that continues the caller's W3C traceparent, each SQL statement a span under it, and the
// request log line carries the trace id. Off (the default), the SDK is not even loaded.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../src/config';
import { startApi, type RunningApi } from '../src/app/start';
import { startTracing, stopTracing, tracingOn } from '../src/shared/tracing';
import { createDatabase, OPERATOR_KEY } from './support/api';
import { ensureBuilt } from './support/server-process';

const exporter = new InMemorySpanExporter();
const lines: string[] = [];
let api: RunningApi;
let drop: () => Promise<void>;
let url: string;

beforeAll(async () => {
  expect(tracingOn()).toBe(false);
  await startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const db = await createDatabase();
  drop = db.drop;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  api = await startApi(
    loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'false',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL,
      OPERATOR_API_KEY: OPERATOR_KEY,
      EVENTS_POLL_MS: '0',
    }),
    { logDestination: sink },
  );
  url = `http://127.0.0.1:${api.port}/graphql`;
});
afterAll(async () => {
  await api?.stop();
  await stopTracing();
  await drop?.();
});

const parentOf = (s: ReadableSpan) =>
  (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId ??
  (s as unknown as { parentSpanId?: string }).parentSpanId;

async function post(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return { res, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
}

it('traces an operation as a child of the incoming traceparent, with a span per SQL statement, and logs the trace id', async () => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const { body, res } = await post(
    'mutation Traced { createOrganization(input: { name: "Traced Hospital", kind: HOSPITAL, stateCode: "US-OH", ehrPlatformCode: "EPIC" }) { organization { id } } }',
    {
      traceparent: `00-${traceId}-${parentId}-01`,
    },
  );
  expect(body.errors).toBeUndefined();
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const operation = spans.find((s) => s.name === 'mutation Traced')!;
  expect(operation).toBeDefined();
  expect(parentOf(operation)).toBe(parentId);
  expect(operation.attributes).toMatchObject({
    'graphql.operation.type': 'mutation',
    'graphql.operation.name': 'Traced',
  });
  const sql = spans.filter((s) => s.name.startsWith('sql '));
  expect(sql.length).toBeGreaterThanOrEqual(2);
  expect(sql.every((s) => parentOf(s) === operation.spanContext().spanId)).toBe(true);
  expect(sql.map((s) => String(s.attributes['db.statement']))).toEqual(
    expect.arrayContaining([expect.stringMatching(/insert into "?organization"?/i)]),
  );
  // Statements as the code wrote them: bound values (here the new organization's name) are not recorded.
  expect(JSON.stringify(sql.map((s) => s.attributes))).not.toContain('Traced Hospital');
  // The request's log line names the trace.
  const requestId = res.headers.get('x-request-id');
  const logged = lines
    .map((l): Record<string, unknown> => JSON.parse(l))
    .find((l) => l.msg === 'graphql request' && l.requestId === requestId);
  expect(logged!.traceId).toBe(traceId);
});

it('starts a new trace without a traceparent, and marks failed operations', async () => {
  const before = new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId));
  await post('query Broken { webhookDeliveries(webhookId: "00000000-0000-4000-8000-00000000dead") { totalCount } }');
  const operation = exporter.getFinishedSpans().find((s) => s.name === 'query Broken')!;
  expect(before.has(operation.spanContext().traceId)).toBe(false);
  expect(parentOf(operation)).toBeUndefined();
  expect(operation.status.code).toBe(2); // ERROR
});

it('costs nothing when off: the compiled server loads no OpenTelemetry SDK module', () => {
  ensureBuilt();
  const loaded = execFileSync(
    process.execPath,
    [
      '-e',
      "require('./dist/src/app/start'); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((m) => m.includes('@opentelemetry/') && !m.includes('@opentelemetry/api/'))))",
    ],
    {
      cwd: path.join(__dirname, '..'),
    },
  );
  expect(JSON.parse(String(loaded))).toEqual([]); // (prom-client loads the API package itself, for its exemplars)
});
