// Webhook deliveries: queued by the event dispatcher in its transaction, then sent by a worker in
// every instance. A delivery is claimed with SKIP LOCKED and leased (its next attempt moved past the
// attempt's timeout) in one statement, so no two instances send it at once and no connection is held
// during the HTTP call; a crash mid-attempt just lets the lease run out and the attempt is retried.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../access/context';
import { metrics } from '../shared/metrics';
import { recordAudit } from '../audit/audit.service';
import { openSecret } from './webhook-secret';
import { changesForSql, webhookMayReceiveSql } from '../access/visibility';
import { signatureHeaders } from './webhook-signature';
import { isNonPublicAddress, publicOnlyLookup } from './webhook-target';

const MAX_BACKOFF_MS = 3_600_000;
const NOT_READABLE = 'Not sent: the organization may no longer read this event.';
const ERROR_TEXT_LIMIT = 300;

/** Delay before attempt `attempts + 1`: base, 2 x base, 4 x base ... capped at an hour. */
export const retryDelayMs = (attempts: number, baseMs: number) =>
  Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);

/**
 * Queues one delivery per (event, matching webhook): active webhooks of the organizations that may
 * read the event (access/visibility.ts: its parties, and the network of a buying party), and webhooks
 * subscribed to matching new demand, whose event list names the type or its `object.*` pattern.
 */
export async function enqueueDeliveries(em: EntityManager, auditEventIds: string[]): Promise<number> {
  if (!auditEventIds.length) return 0;
  const rows = await em.execute<{ id: string }[]>(
    `insert into webhook_delivery (id, webhook_id, audit_event_id, event, status, attempts, next_attempt_at)
     select gen_random_uuid(), w.id, a.id, a.action, 'PENDING', 0, now()
       from audit_event a
       join webhook w on w.active
        and (a.action = any(w.events) or split_part(a.action, '.', 1) || '.*' = any(w.events))
        and ${webhookMayReceiveSql('a', 'w')}
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
  webhook_id: string;
  organization_id: string;
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

/**
 * Claims up to `limit` due deliveries and leases them for `leaseMs`; counts the attempt. Fair across
 * tenants: at most `perWebhook` attempts of one webhook are in flight at once (leases of every
 * instance counted), paused webhooks (circuit breaker) are skipped, and the slots go round-robin:
 * first the oldest due delivery of each webhook, spread over organizations, then the second of
 * each, and so on. One organization's backlog against a slow endpoint cannot hold back the others.
 */
async function claimDue(
  em: EntityManager,
  limit: number,
  leaseMs: number,
  perWebhook: number,
): Promise<ClaimedDelivery[]> {
  const claimed = await em.execute<(ClaimedDelivery & { send: boolean })[]>(
    `with candidates as (
       select x.id, w.organization_id, x.rn
         from webhook w
         cross join lateral (
           select count(*)::int as n from webhook_delivery b
            where b.webhook_id = w.id and b.status = 'PENDING' and b.leased_until is not null and b.leased_until > now()) busy
         cross join lateral (
           select d.id, row_number() over (order by d.next_attempt_at, d.id) as rn from webhook_delivery d
            where d.webhook_id = w.id and d.status = 'PENDING' and d.next_attempt_at <= now()
            order by d.next_attempt_at, d.id limit greatest(? - busy.n, 0)) x
        where w.active and (w.paused_until is null or w.paused_until <= now())
     ),
     picked as (
       select id from (select id, rn, row_number() over (partition by organization_id order by rn, id) as turn from candidates) c
        order by turn, rn, id limit ?
     ),
     due as (select d.id from webhook_delivery d where d.id in (select id from picked) and d.status = 'PENDING' for update of d skip locked),
     -- Each attempt re-checks that the organization may still read the event (it may have left a
     -- network, a demand need may have closed): one that may not is FAILED, never sent.
     may as (
       select due.id, ${webhookMayReceiveSql('a', 'w')} as send
         from due join webhook_delivery x on x.id = due.id join webhook w on w.id = x.webhook_id join audit_event a on a.id = x.audit_event_id
     )
     update webhook_delivery d
        set attempts = d.attempts + may.send::int,
            status = case when may.send then d.status else 'FAILED' end,
            last_error = case when may.send then d.last_error else ? end,
            last_attempt_at = case when may.send then now() else d.last_attempt_at end,
            next_attempt_at = case when may.send then now() + ?::float8 * interval '1 millisecond' end,
            leased_until = case when may.send then now() + ?::float8 * interval '1 millisecond' end
       from may, webhook w, audit_event a
      where d.id = may.id and w.id = d.webhook_id and a.id = d.audit_event_id
     returning may.send, d.id, d.attempts, w.id as webhook_id, w.organization_id, w.url, w.secret, case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret,
               a.id as event_id, a.action, a.at, a.entity_type, a.entity_id, ${changesForSql('a', 'w.organization_id')} as changes`,
    [perWebhook, limit, NOT_READABLE, leaseMs, leaseMs],
  );
  return claimed.filter((d) => d.send);
}

/** The JSON body receivers get; `id` is the event id, identical on every retry. */
export function deliveryBody(
  d: Pick<ClaimedDelivery, 'event_id' | 'action' | 'at' | 'entity_type' | 'entity_id' | 'changes'>,
): string {
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
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  allowPrivate: boolean,
): Promise<AttemptResult> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!allowPrivate && isIP(host) && isNonPublicAddress(host)) {
    return Promise.resolve({
      ok: false,
      statusCode: null,
      error: `${host} is a private, loopback or link-local address.`,
    });
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
    const timer = setTimeout(
      () => done({ ok: false, statusCode: null, error: `No answer within ${timeoutMs} ms.` }),
      timeoutMs,
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      done({ ok: false, statusCode: null, error: clip(e.message || e.code || 'connection failed') }),
    );
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
        done({
          ok: false,
          statusCode: status,
          error: clip(`HTTP ${status}${redirect}${excerpt ? `: ${excerpt}` : ''}`),
        });
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
    const secrets = [d.secret, d.previous_secret]
      .filter((s): s is string => !!s)
      .map((s) => openSecret(s, config.WEBHOOK_SECRETS_KEY));
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
      `with d as (
         update webhook_delivery set status = 'SUCCEEDED', delivered_at = now(), next_attempt_at = null, leased_until = null, last_status_code = ?, last_error = null
          where id = ? and attempts = ? and status = 'PENDING' returning webhook_id)
       update webhook set consecutive_failures = 0, paused_until = null where id in (select webhook_id from d) and (consecutive_failures > 0 or paused_until is not null)`,
      [result.statusCode, d.id, d.attempts],
    );
    return;
  }
  const final = d.attempts >= config.WEBHOOK_MAX_ATTEMPTS;
  metrics.webhookAttempts.inc({ outcome: final ? 'failed' : 'retrying' });
  // The failure counts toward the webhook's circuit breaker: at WEBHOOK_BREAKER_FAILURES in a row it
  // pauses (and a failure after a pause pauses it again at once), with a webhook.paused event.
  const [paused] = await em.execute<{ paused_until: string | null; opened: boolean }[]>(
    `with d as (
       update webhook_delivery
          set status = ?, next_attempt_at = case when ?::boolean then null else now() + ?::float8 * interval '1 millisecond' end, leased_until = null, last_status_code = ?, last_error = ?
        where id = ? and attempts = ? and status = 'PENDING' returning webhook_id),
     before as (select id, paused_until from webhook where id in (select webhook_id from d))
     update webhook w
        set consecutive_failures = w.consecutive_failures + 1,
            paused_until = case when w.consecutive_failures + 1 >= ? then now() + ?::float8 * interval '1 millisecond' else w.paused_until end
       from before
      where w.id = before.id
     returning w.paused_until, (w.consecutive_failures >= ? and (before.paused_until is null or before.paused_until <= now())) as opened`,
    [
      final ? 'FAILED' : 'PENDING',
      final,
      retryDelayMs(d.attempts, config.WEBHOOK_RETRY_BASE_MS),
      result.statusCode,
      result.error,
      d.id,
      d.attempts,
      config.WEBHOOK_BREAKER_FAILURES,
      config.WEBHOOK_BREAKER_PAUSE_MS,
      config.WEBHOOK_BREAKER_FAILURES,
    ],
  );
  if (paused?.opened) {
    metrics.webhookAttempts.inc({ outcome: 'paused' });
    deps.log.warn(
      { webhookId: d.webhook_id, pausedUntil: paused.paused_until, error: result.error },
      'webhook paused by its circuit breaker',
    );
    recordAudit({ viewer: null, requestId: 'webhook-worker' }, em, {
      action: 'webhook.paused',
      entityType: 'Webhook',
      entityId: d.webhook_id,
      partyIds: [d.organization_id],
      after: {
        status: 'PAUSED',
        pausedUntil: paused.paused_until,
        consecutiveFailures: config.WEBHOOK_BREAKER_FAILURES,
        lastError: result.error,
      },
    });
    await em.flush();
  }
  if (final)
    deps.log.warn({ deliveryId: d.id, event: d.action, error: result.error }, 'webhook delivery failed for good');
}

/**
 * Claims up to `slots` due deliveries and starts sending them; returns one promise per attempt
 * (each settles when its outcome is recorded).
 */
export async function startDueDeliveries(
  deps: Pick<AppDeps, 'orm' | 'config' | 'log'>,
  slots: number,
): Promise<Promise<void>[]> {
  if (slots <= 0) return [];
  const leaseMs = deps.config.WEBHOOK_TIMEOUT_MS + 10_000;
  const claimed = await claimDue(deps.orm.em.fork(), slots, leaseMs, deps.config.WEBHOOK_MAX_IN_FLIGHT_PER_WEBHOOK);
  return claimed.map((d) =>
    attempt(deps, d).catch((err) =>
      deps.log.warn(
        { err, deliveryId: d.id },
        'could not record a webhook attempt; its lease will expire and it will be retried',
      ),
    ),
  );
}

/** Delivery-log retention: deletes up to a batch of finished deliveries older than `days`; returns how many. */
export async function pruneDeliveryLog(em: EntityManager, days: number): Promise<number> {
  const rows = await em.execute<{ id: string }[]>(
    `delete from webhook_delivery where id in (
       select id from webhook_delivery where status <> 'PENDING' and created_at < now() - ?::int * interval '1 day' limit 5000)
     returning id`,
    [days],
  );
  return rows.length;
}
