// Prometheus metrics (prom-client): requests and latency per operation, errors by code, DB pool,
// reservation conflicts, events and webhook deliveries, live subscriptions, process defaults. Domain code increments `metrics.reservationConflicts`.
import { Kind, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** The part of knex's (tarn) pool the gauges read. */
export interface PoolLike {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}
const pools = new Set<() => PoolLike | undefined>();
const sumPools = (read: (p: PoolLike) => number) => {
  let total = 0;
  for (const source of pools) {
    const pool = source();
    if (pool) total += read(pool);
  }
  return total;
};

export const metrics = {
  registry,
  requests: new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL HTTP requests by root field (operation) and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  }),
  duration: new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL request latency by root field (operation).',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  errors: new Counter({
    name: 'graphql_errors_total',
    help: 'Top-level GraphQL errors by extensions.code.',
    labelNames: ['code'] as const,
    registers: [registry],
  }),
  rateLimited: new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused by the rate limiter, by what was limited.',
    labelNames: ['scope'] as const,
    registers: [registry],
  }),
  /** Incremented by the capacity module when a reservation loses a race or would exceed sellable units. */
  reservationConflicts: new Counter({
    name: 'reservation_conflicts_total',
    help: 'Capacity reservations refused because of a concurrent change or insufficient sellable capacity.',
    registers: [registry],
  }),
  eventsDispatched: new Counter({
    name: 'events_dispatched_total',
    help: 'Committed events dispatched to subscribers and webhooks.',
    registers: [registry],
  }),
  webhookAttempts: new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed; paused: the failure opened the circuit breaker).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  liveSubscriptions: new Gauge({
    name: 'graphql_subscriptions_active',
    help: 'GraphQL subscriptions currently open on this instance.',
    registers: [registry],
  }),
  replicaInUse: new Gauge({
    name: 'db_replica_in_use',
    help: 'Read replicas: 1 while a replica serves lag-tolerant reads, 0 while it is skipped (lagging or unreachable).',
    labelNames: ['replica'] as const,
    registers: [registry],
  }),
  replicaLag: new Gauge({
    name: 'db_replica_lag_seconds',
    help: 'How far each read replica is behind the primary, as last measured (WAL position replayed against the primary, in time).',
    labelNames: ['replica'] as const,
    registers: [registry],
  }),
  replicaSkips: new Counter({
    name: 'db_replica_skipped_total',
    help: 'Times a read replica was taken out of use, by reason (lagging, unreachable, not_a_standby).',
    labelNames: ['replica', 'reason'] as const,
    registers: [registry],
  }),
  readRouting: new Counter({
    name: 'db_read_routing_total',
    help: 'Query operations by where they read: replica, or primary and why (not_lag_tolerant, own_recent_write, no_healthy_replica).',
    labelNames: ['target'] as const,
    registers: [registry],
  }),
  replicaStatements: new Counter({
    name: 'db_replica_statements_total',
    help: 'SQL statements sent to read replicas, by GraphQL operation type (a mutation must never count here).',
    labelNames: ['operation'] as const,
    registers: [registry],
  }),
  dbPool: new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (used, free, pending_acquires).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set(
        { state: 'used' },
        sumPools((p) => p.numUsed()),
      );
      this.set(
        { state: 'free' },
        sumPools((p) => p.numFree()),
      );
      this.set(
        { state: 'pending_acquires' },
        sumPools((p) => p.numPendingAcquires()),
      );
    },
  }),
};

/** Adds a database pool to the gauges until the returned function is called. */
export function watchPool(source: () => PoolLike | undefined): () => void {
  pools.add(source);
  return () => void pools.delete(source);
}

/**
 * The `operation` label: the schema field the operation runs (`issueQuote`, `offerings`), never a
 * client-chosen name, so the label values are a bounded, known set: the schema's root fields,
 * `(multiple)` for several root fields (or fragments at the root), `(introspection)`, `__typename`,
 * `(invalid)` when the operation failed to parse or validate. (Requests refused before GraphQL are `(none)`.)
 */
export function operationLabel(operation: OperationDefinitionNode | null | undefined, resolved: boolean): string {
  if (!resolved || !operation) return '(invalid)';
  const selections = operation.selectionSet.selections;
  if (selections.some((s) => s.kind !== Kind.FIELD)) return '(multiple)';
  const fields = (selections as FieldNode[]).map((f) => f.name.value).filter((n) => n !== '__typename');
  if (!fields.length) return '__typename';
  if (new Set(fields).size > 1) return '(multiple)';
  return fields[0] === '__schema' || fields[0] === '__type' ? '(introspection)' : fields[0];
}
