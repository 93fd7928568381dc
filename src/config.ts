// Configuration comes from environment variables only, parsed and validated once at start.
import { z } from 'zod';
import { trustProxy } from './shared/client-ip';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  OPERATOR_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  DEMO_DATA: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('.data'),
  /** Streaming read replicas of DATABASE_URL's primary, comma separated: lag-tolerant query operations read from a healthy one (src/db/replicas.ts). */
  DATABASE_REPLICA_URLS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((u) => /^postgres(ql)?:\/\/\S+$/.test(u)),
      'must be postgres:// URLs, comma separated',
    ),
  /** A replica further behind the primary than this is skipped (reads go to the primary) until it catches up. */
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  /** Server-side named prepared statements for the hot paths; false for a pooler in transaction mode that cannot carry them (PgBouncer before 1.21). */
  DB_NAMED_STATEMENTS: bool.optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** How often expired quote holds are swept (they stop counting at expiry whatever this is). */
  HOLD_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** Adds `x-sql-statements` to GraphQL responses (default: everywhere but production; benchmarks turn it on). */
  SQL_COUNT_HEADER: bool.optional(),
  /**
   * Proxies whose `X-Forwarded-For` names the client (comma separated addresses, CIDR ranges or
   * `loopback`, `linklocal`, `uniquelocal`, as Express's `trust proxy`): the per-IP rate limit, the
   * per-IP subscription cap and the request log use the client address they forward.
   */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .refine((v) => {
      try {
        trustProxy(v);
        return true;
      } catch {
        return false;
      }
    }, 'must be addresses, CIDR ranges or loopback / linklocal / uniquelocal, comma separated'),
  /** Browser origins allowed to call the API cross-origin, comma separated (none by default). */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)),
      'must be origins like https://portal.example.org, comma separated',
    ),
  /** Rate limit per API key: points per minute, one point per operation plus one per 100 of query cost. 0 turns it off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  /** Rate limit per client IP for requests without a valid API key (anonymous, wrong or revoked keys). 0 turns it off. */
  RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Live subscriptions one API key may hold open at once, per instance. */
  SUBSCRIPTIONS_PER_KEY: z.coerce.number().int().min(1).default(50),
  /** Live subscriptions one client IP may hold open at once, per instance. */
  SUBSCRIPTIONS_PER_IP: z.coerce.number().int().min(1).default(200),
  /** Cost ceiling of a subscription's selection (it runs again for every event); QUERY_MAX_COST is for one-off queries. */
  SUBSCRIPTION_MAX_COST: z.coerce.number().int().min(10).default(1000),
  QUERY_MAX_DEPTH: z.coerce.number().int().min(2).default(10),
  /** Estimated objects a query may resolve; a list's page size multiplies the cost of what it contains. */
  QUERY_MAX_COST: z.coerce.number().int().min(100).default(20_000),
  QUERY_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  QUERY_MAX_TOKENS: z.coerce.number().int().min(100).default(5000),
  QUERY_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. Without it /metrics is public in development and test, and off (404) in production. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How often each instance looks for new committed events and due webhook deliveries. 0 turns both workers off on this instance. */
  EVENTS_POLL_MS: z.coerce
    .number()
    .int()
    .max(60_000)
    .refine((v) => v === 0 || v >= 10, 'must be 0 (off) or at least 10')
    .default(200),
  /** First retry delay of a failed webhook delivery; each further retry doubles it (capped at one hour). */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  /** Attempts per webhook delivery before it is marked FAILED. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  /** Time a webhook receiver has to answer one attempt. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Webhook attempts in flight at once on this instance (an attempt mostly waits for its receiver). */
  WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(32),
  /** Attempts in flight at once per webhook, across instances: a slow endpoint cannot take every delivery slot. */
  WEBHOOK_MAX_IN_FLIGHT_PER_WEBHOOK: z.coerce.number().int().min(1).max(100).default(4),
  /** Failed attempts in a row (any of its deliveries) after which a webhook is paused (circuit breaker). */
  WEBHOOK_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long the circuit breaker pauses a failing webhook before trying it again. */
  WEBHOOK_BREAKER_PAUSE_MS: z.coerce.number().int().min(100).max(86_400_000).default(300_000),
  /** Days a finished (SUCCEEDED or FAILED) delivery stays in the delivery log before the sweeper deletes it. */
  WEBHOOK_DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Development only: lets webhooks target private, loopback and link-local addresses (refused otherwise). */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.optional(),
  /** OpenTelemetry tracing: off unless set (the OTLP endpoint; the SDK reads the other OTEL_* variables). */
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  /** Encrypts webhook secrets at rest (AES-256-GCM with a key derived from this value). Required in production; elsewhere a key is generated in DATA_DIR/webhook-secrets.key when it is not set. */
  WEBHOOK_SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
});

export type Config = Omit<
  z.infer<typeof schema>,
  'DEMO_DATA' | 'SQL_COUNT_HEADER' | 'WEBHOOK_ALLOW_PRIVATE_TARGETS' | 'DB_NAMED_STATEMENTS'
> & {
  DEMO_DATA: boolean;
  DB_NAMED_STATEMENTS: boolean;
  SQL_COUNT_HEADER: boolean;
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
};

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const production: string[] = [];
  if (c.NODE_ENV === 'production') {
    // The demo network's keys are published (README, start-up banner): anyone could act as its operator.
    if (c.DEMO_DATA)
      production.push(
        '  DEMO_DATA: loads the demo network, whose API keys are public; it cannot be true when NODE_ENV=production',
      );
    if (c.WEBHOOK_ALLOW_PRIVATE_TARGETS)
      production.push(
        '  WEBHOOK_ALLOW_PRIVATE_TARGETS: is a development setting; it cannot be true when NODE_ENV=production',
      );
    if (!c.WEBHOOK_SECRETS_KEY)
      production.push(
        '  WEBHOOK_SECRETS_KEY: is required when NODE_ENV=production (webhook secrets are encrypted at rest with it; at least 32 characters)',
      );
  }
  if (production.length) throw new ConfigError(`Invalid configuration:\n${production.join('\n')}`);
  return {
    ...c,
    DEMO_DATA: c.DEMO_DATA ?? c.NODE_ENV !== 'production',
    DB_NAMED_STATEMENTS: c.DB_NAMED_STATEMENTS ?? true,
    SQL_COUNT_HEADER: c.SQL_COUNT_HEADER ?? c.NODE_ENV !== 'production',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: c.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? false,
  };
}
