// Writes audit events in the caller's unit of work, and reads the trail with tenancy.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { AuditEvent } from './audit-event.entity';
import type { Actor, Context } from '../access/context';
import type { Page } from '../shared/connection';
import { findPage } from '../db/read-model';
import { eventScope } from '../access/visibility';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  /** The parties of the changed object: each may read the event. */
  partyIds: string[];
  /** The parties acting as buyer (a need's buyer, a quote's or engagement's buyer): their network may read the event too. */
  buyerIds?: string[];
  before?: unknown;
  after?: unknown;
}

/** Adds an event to `em`'s unit of work: it commits or rolls back with the change it describes. */
export function recordAudit(ctx: Actor, em: EntityManager, entry: AuditEntry): AuditEvent {
  const e = auditEvent(ctx, entry);
  em.persist(e);
  return e;
}

/** An event not yet written: for writes that insert it in their own statement (see db/write-model). */
export function auditEvent(ctx: Actor, entry: AuditEntry): AuditEvent {
  const e = new AuditEvent();
  e.action = entry.action;
  e.entityType = entry.entityType;
  e.entityId = entry.entityId;
  e.buyerIds = [...new Set(entry.buyerIds ?? [])];
  e.partyIds = [...new Set([...entry.partyIds, ...e.buyerIds])];
  e.changes = { before: entry.before ?? null, after: entry.after ?? null };
  e.actorKeyId = ctx.viewer?.apiKeyId ?? null;
  e.actorRole = ctx.viewer?.role ?? null;
  e.actorOrganizationId = ctx.viewer?.organizationId ?? null;
  e.requestId = ctx.requestId;
  return e;
}

/** The fields of `after` that differ from `before`, as `{ before, after }` snapshots. */
export function diff<T extends object>(before: T, after: T): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const k of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
      b[k] = before[k];
      a[k] = after[k];
    }
  }
  return { before: b, after: a };
}

export async function auditTrail(ctx: Context, entityId: string | null | undefined, page: Page) {
  const scope = eventScope<AuditEvent>(ctx.viewer);
  const and: FilterQuery<AuditEvent>[] = scope ? [scope] : [];
  if (entityId) and.push({ entityId });
  return findPage(ctx.em, AuditEvent, and.length ? { $and: and } : {}, { at: 'desc', id: 'desc' }, page);
}
