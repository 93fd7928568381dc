// Dispatches committed events. The audit trail is the outbox: an audit event is written in the same
// transaction as its change, with that transaction's id (`tx`), so it exists if and only if the change
// committed. The dispatcher reads events in (tx, at, id) order after its cursor and below the oldest
// transaction still running: below that line every transaction has committed or rolled back, so no
// event can appear behind the cursor later, whatever order transactions commit in (a transaction
// open for long holds dispatch back until it ends). One instance dispatches at a time (it locks the
// cursor; the others skip): in one transaction it queues the webhook deliveries and moves the
// cursor, then publishes the events on the shared bus for live subscribers (Redis pub/sub across
// instances, in process otherwise).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../access/context';
import { metrics } from '../shared/metrics';
import type { ExchangeEvent } from './event-catalog';

/** Events per dispatch transaction. */
export const DISPATCH_BATCH = 200;

interface EventRow {
  id: string;
  at: Date | string;
  action: string;
  entity_type: string;
  entity_id: string;
  party_ids: string[] | string;
  buyer_ids: string[] | string;
  category_code: string | null;
  region_code: string | null;
}

/** node-postgres returns uuid[] as an array, or as its text form on some setups. */
const uuidArray = (v: string[] | string): string[] =>
  Array.isArray(v)
    ? v
    : v
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean);

/** The next committed events after the cursor, or null when another instance is dispatching. */
async function nextEvents(em: EntityManager, limit: number): Promise<EventRow[] | null> {
  const [cursor] = await em.execute(`select 1 from event_cursor where name = 'dispatch' for update skip locked`);
  if (!cursor) return null;
  // A statement of its own, after the lock: its snapshot sees every event below its horizon.
  return em.execute<EventRow[]>(
    `select a.id, a.at, a.action, a.entity_type, a.entity_id, a.party_ids, a.buyer_ids,
            case when a.action = 'need.created' then a.changes->'after'->>'categoryCode' end as category_code,
            case when a.action = 'need.created' then a.changes->'after'->>'regionCode' end as region_code
       from audit_event a
      where (a.tx, a.at, a.id) > (select tx, at, event_id from event_cursor where name = 'dispatch')
        and a.tx < pg_snapshot_xmin(pg_current_snapshot())
      order by a.tx, a.at, a.id
      limit ?`,
    [limit],
  );
}

const toEvent = (r: EventRow): ExchangeEvent => ({
  id: r.id,
  type: r.action,
  occurredAt: new Date(r.at).toISOString(),
  entityType: r.entity_type,
  entityId: r.entity_id,
  partyIds: uuidArray(r.party_ids),
  buyerIds: uuidArray(r.buyer_ids),
  ...(r.action === 'need.created' ? { categoryCode: r.category_code, regionCode: r.region_code } : {}),
});

/**
 * Dispatches up to one batch of pending events; returns how many. The deliveries are queued in the
 * transaction that moves the cursor past the events; then the events are published, best effort
 * (live subscribers are told while they are connected; an unreachable Redis must not hold back
 * webhooks, nor keep the cursor's transaction open).
 */
export async function dispatchPendingEvents(
  deps: Pick<AppDeps, 'orm' | 'store'>,
  channel: string,
  /** Queues the events' webhook deliveries in this transaction (webhooks sit above events: app/event-workers.ts passes webhook.delivery.ts's enqueueDeliveries). */
  enqueueDeliveries: (em: EntityManager, auditEventIds: string[]) => Promise<unknown>,
  onPublishError: (err: unknown) => void,
): Promise<number> {
  const rows = await deps.orm.em.fork().transactional(async (em) => {
    const next = await nextEvents(em, DISPATCH_BATCH);
    if (!next?.length) return [];
    await enqueueDeliveries(
      em,
      next.map((r) => r.id),
    );
    // The cursor takes the last event's own values (a JavaScript Date would drop its microseconds).
    await em.execute(
      `update event_cursor c set tx = a.tx, at = a.at, event_id = a.id from audit_event a where c.name = 'dispatch' and a.id = ?`,
      [next[next.length - 1].id],
    );
    return next;
  });
  for (const row of rows) {
    try {
      await deps.store.publish(channel, JSON.stringify(toEvent(row)));
    } catch (err) {
      onPublishError(err);
    }
  }
  metrics.eventsDispatched.inc(rows.length);
  return rows.length;
}
