// Webhook deliveries: queued by the event dispatcher in its transaction, then sent by a worker in
// every instance. A delivery is claimed with SKIP LOCKED and leased (its next attempt moved past the
// attempt's timeout) in one statement, so no two instances send it at once and no connection is held
// during the HTTP call; a crash mid-attempt just lets the lease run out and the attempt is retried.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../shared/context';
import { metrics } from '../server/metrics';
import { openSecret } from './webhook-secret';
import { changesForSql, demandMatchSql, eventAudienceSql } from '../auth/visibility';
import { signatureHeaders } from './webhook-signature';
import { isNonPublicAddress, publicOnlyLookup } from './webhook-target';

const MAX_BACKOFF_MS = 3_600_000;
const ERROR_TEXT_LIMIT = 300;

/** Delay before attempt `attempts + 1`: base, 2 x base, 4 x base ... capped at an hour. */
export const retryDelayMs = (attempts: number, baseMs: number) => Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);

/**
 * Queues one delivery per (event, matching webhook): active webhooks of the organizations that may
 * read the event (auth/visibility.ts: its parties, and the network of a buying party), and webhooks
 * subscribed to matching new demand, whose event list names the type or its `object.*` pattern.
 */
export async function enqueueDeliveries(em: EntityManager, auditEventIds: string[]): Promise<number> {
  if (!auditEventIds.length) return 0;
  const rows = await em.execute<{ id: string }[]>(
    `insert into webhook_delivery (id, webhook_id, audit_event_id, event, status, attempts, next_attempt_at)
     select gen_random_uuid(), w.id, a.id, a.action, 'PENDING', 0, now()
       from audit_event a
       cross join lateral (select ${eventAudienceSql('a')} as audience) x
       join webhook w on w.active
        and (a.action = any(w.events) or split_part(a.action, '.', 1) || '.*' = any(w.events))
        and (w.organization_id = any(x.audience) or ${demandMatchSql('a', 'w')})
      where a.id = any(?::uuid[])
     on conflict (webhook_id, audit_event_id) do nothing
     returning id`,
    [`{${auditEventIds.join(',')}}`],
  );
  return rows.length;
}

interface ClaimedDelivery {
  id: string;
  attempts: number;
  url: string;
  secret: string;
  /** The previous secret while a rotation overlaps (it signs too), else null. */
  previous_secret: string | null;
  event_id: string;
  action: string;
  at: Date | string;
  entity_type: string;
  entity_id: string;
  changes: unknown;
}

/** Claims up to `limit` due deliveries and leases them for `leaseMs`; counts the attempt. */
async function claimDue(em: EntityManager, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return em.execute<ClaimedDelivery[]>(
    `with due as (
       select d.id from webhook_delivery d join webhook w on w.id = d.webhook_id and w.active
        where d.status = 'PENDING' and d.next_attempt_at <= now()
        order by d.next_attempt_at, d.id
        limit ? for update of d skip locked
     )
     update webhook_delivery d
        set attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + ?::float8 * interval '1 millisecond'
       from due, webhook w, audit_event a
      where d.id = due.id and w.id = d.webhook_id and a.id = d.audit_event_id
     returning d.id, d.attempts, w.url, w.secret, case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret,
               a.id as event_id, a.action, a.at, a.entity_type, a.entity_id, ${changesForSql('a', 'w.organization_id')} as changes`,
    [limit, leaseMs],
  );
}

/** The JSON body receivers get; `id` is the event id, identical on every retry. */
export function deliveryBody(d: Pick<ClaimedDelivery, 'event_id' | 'action' | 'at' | 'entity_type' | 'entity_id' | 'changes'>): string {
  return JSON.stringify({
    id: d.event_id,
    type: d.action,
    occurredAt: new Date(d.at).toISOString(),
    entityType: d.entity_type,
    entityId: d.entity_id,
    data: d.changes,
  });
}

interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

const clip = (s: string) => (s.length > ERROR_TEXT_LIMIT ? `${s.slice(0, ERROR_TEXT_LIMIT)}...` : s);

/** One POST with a hard timeout; no redirects are followed; only 2xx counts as delivered. */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number, allowPrivate: boolean): Promise<AttemptResult> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!allowPrivate && isIP(host) && isNonPublicAddress(host)) {
    return Promise.resolve({ ok: false, statusCode: null, error: `${host} is a private, loopback or link-local address.` });
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
      agent: false,
      ...(allowPrivate ? {} : { lookup: publicOnlyLookup }),
    });
    const timer = setTimeout(() => done({ ok: false, statusCode: null, error: `No answer within ${timeoutMs} ms.` }), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, statusCode: null, error: clip(e.message || e.code || 'connection failed') }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.resume();
        return done({ ok: true, statusCode: status, error: null });
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > ERROR_TEXT_LIMIT) finish();
      });
      res.on('end', () => finish());
      res.on('error', () => finish());
      const finish = () => {
        const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
        const excerpt = text.replace(/\s+/g, ' ').trim();
        done({ ok: false, statusCode: status, error: clip(`HTTP ${status}${redirect}${excerpt ? `: ${excerpt}` : ''}`) });
      };
    });
    req.end(body);
  });
}

/** Sends one claimed delivery and records the outcome (only if no newer attempt took over). */
async function attempt(deps: Pick<AppDeps, 'orm' | 'config' | 'log'>, d: ClaimedDelivery): Promise<void> {
  const { config } = deps;
  let result: AttemptResult;
  try {
    const secrets = [d.secret, d.previous_secret].filter((s): s is string => !!s).map((s) => openSecret(s, config.WEBHOOK_SECRETS_KEY));
    const body = deliveryBody(d);
    const timestamp = Math.floor(Date.now() / 1000);
    result = await post(
      new URL(d.url),
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'HealthServicesExchange-Webhooks/1',
        'x-exchange-event': d.action,
        'x-exchange-delivery': d.id,
        'x-exchange-attempt': String(d.attempts),
        ...signatureHeaders(secrets, d.event_id, timestamp, body),
      },
      config.WEBHOOK_TIMEOUT_MS,
      config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    );
  } catch (e) {
    result = { ok: false, statusCode: null, error: clip((e as Error).message) };
  }
  const em = deps.orm.em.fork();
  if (result.ok) {
    metrics.webhookAttempts.inc({ outcome: 'succeeded' });
    await em.execute(
      `update webhook_delivery set status = 'SUCCEEDED', delivered_at = now(), next_attempt_at = null, last_status_code = ?, last_error = null
        where id = ? and attempts = ? and status = 'PENDING'`,
      [result.statusCode, d.id, d.attempts],
    );
    return;
  }
  const final = d.attempts >= config.WEBHOOK_MAX_ATTEMPTS;
  metrics.webhookAttempts.inc({ outcome: final ? 'failed' : 'retrying' });
  await em.execute(
    `update webhook_delivery
        set status = ?, next_attempt_at = case when ?::boolean then null else now() + ?::float8 * interval '1 millisecond' end, last_status_code = ?, last_error = ?
      where id = ? and attempts = ? and status = 'PENDING'`,
    [final ? 'FAILED' : 'PENDING', final, retryDelayMs(d.attempts, config.WEBHOOK_RETRY_BASE_MS), result.statusCode, result.error, d.id, d.attempts],
  );
  if (final) deps.log.warn({ deliveryId: d.id, event: d.action, error: result.error }, 'webhook delivery failed for good');
}

/**
 * Claims up to `slots` due deliveries and starts sending them; returns one promise per attempt
 * (each settles when its outcome is recorded).
 */
export async function startDueDeliveries(deps: Pick<AppDeps, 'orm' | 'config' | 'log'>, slots: number): Promise<Promise<void>[]> {
  if (slots <= 0) return [];
  const leaseMs = deps.config.WEBHOOK_TIMEOUT_MS + 10_000;
  const claimed = await claimDue(deps.orm.em.fork(), slots, leaseMs);
  return claimed.map((d) => attempt(deps, d).catch((err) => deps.log.warn({ err, deliveryId: d.id }, 'could not record a webhook attempt; its lease will expire and it will be retried')));
}
