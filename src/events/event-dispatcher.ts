// Moves committed events out of the outbox. The outbox row is written by a trigger in the same
// transaction as the change and its audit event, so an event exists if and only if the change
// committed. Each instance claims pending rows with SKIP LOCKED (never the same row twice), and in
// one transaction queues the webhook deliveries, marks the rows dispatched and publishes the events
// on the shared bus for live subscribers (Redis pub/sub across instances, in process otherwise).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../shared/context';
import { metrics } from '../server/metrics';
import { enqueueDeliveries } from '../webhooks/webhook.delivery';
import type { ExchangeEvent } from './event-catalog';

/** Events per dispatch transaction. */
export const DISPATCH_BATCH = 200;

interface OutboxRow {
  outbox_id: string;
  id: string;
  at: Date | string;
  action: string;
  entity_type: string;
  entity_id: string;
  party_ids: string[] | string;
  category_code: string | null;
  region_code: string | null;
}

/** node-postgres returns uuid[] as an array, or as its text form on some setups. */
const uuidArray = (v: string[] | string): string[] => (Array.isArray(v) ? v : v.replace(/^\{|\}$/g, '').split(',').filter(Boolean));

async function claimPending(em: EntityManager, limit: number): Promise<OutboxRow[]> {
  return em.execute<OutboxRow[]>(
    `select o.id as outbox_id, a.id, a.at, a.action, a.entity_type, a.entity_id, a.party_ids,
            case when a.action = 'need.created' then a.changes->'after'->>'categoryCode' end as category_code,
            case when a.action = 'need.created' then a.changes->'after'->>'regionCode' end as region_code
       from event_outbox o join audit_event a on a.id = o.audit_event_id
      where o.dispatched_at is null
      order by o.id
      limit ? for update of o skip locked`,
    [limit],
  );
}

const toEvent = (r: OutboxRow): ExchangeEvent => ({
  id: r.id,
  type: r.action,
  occurredAt: new Date(r.at).toISOString(),
  entityType: r.entity_type,
  entityId: r.entity_id,
  partyIds: uuidArray(r.party_ids),
  ...(r.action === 'need.created' ? { categoryCode: r.category_code, regionCode: r.region_code } : {}),
});

/**
 * Dispatches up to one batch of pending events; returns how many. Publishing is best effort (live
 * subscribers are told while they are connected; an unreachable Redis must not hold back webhooks);
 * the deliveries are queued in the same transaction that marks the events dispatched.
 */
export async function dispatchPendingEvents(deps: Pick<AppDeps, 'orm' | 'store'>, channel: string, onPublishError: (err: unknown) => void): Promise<number> {
  return deps.orm.em.fork().transactional(async (em) => {
    const rows = await claimPending(em, DISPATCH_BATCH);
    if (!rows.length) return 0;
    await enqueueDeliveries(em, rows.map((r) => r.id));
    await em.execute(`update event_outbox set dispatched_at = now() where id = any(?::bigint[])`, [`{${rows.map((r) => r.outbox_id).join(',')}}`]);
    for (const row of rows) {
      try {
        await deps.store.publish(channel, JSON.stringify(toEvent(row)));
      } catch (err) {
        onPublishError(err);
      }
    }
    metrics.eventsDispatched.inc(rows.length);
    return rows.length;
  });
}

/** Forgets outbox rows dispatched more than a day ago (the audit trail keeps the events themselves). */
export async function pruneDispatchedEvents(deps: Pick<AppDeps, 'orm'>): Promise<void> {
  await deps.orm.em.fork().execute(
    `delete from event_outbox where id in (select id from event_outbox where dispatched_at < now() - interval '1 day' order by dispatched_at limit 10000)`,
  );
}
