// Webhooks of an organization: created, changed, rotated and deleted by its ADMIN or INTEGRATION keys
// (or the operator), visible only to them; a webhook of another organization reads as not found.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';
import {
  DEFAULT_OVERLAP_SECONDS,
  MAX_OVERLAP_SECONDS,
  type CreateWebhookInput,
  type RotateWebhookSecretInput,
  type UpdateWebhookInput,
  type WebhookDemandInput,
} from './webhook.types';
import { sealSecret } from './webhook-secret';
import { generateSecret, secretProblem } from './webhook-signature';
import { parseWebhookUrl, targetProblem } from './webhook-target';
import { isWebhookEventName, WEBHOOK_EVENT_TYPES } from '../events/event-catalog';
import { Organization } from '../organizations/organization.entity';
import { Role } from '../access/role';
import { managesWebhooksOf } from '../access/visibility';
import type { Viewer } from '../access/viewer';
import type { Context } from '../access/context';
import type { Page } from '../shared/connection';
import { findPage } from '../db/read-model';
import { badInput, forbidden, invalid, notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { InputChecks, uniq } from '../shared/validation';
import { region, regionsOfNeedsIn, serviceCategory } from '../reference/reference.service';
import { diff, recordAudit } from '../audit/audit.service';
import { idempotent } from '../shared/idempotency';

const MAX_WEBHOOKS_PER_ORGANIZATION = 20;

export const webhookEventTypes = () =>
  Object.entries(WEBHOOK_EVENT_TYPES).map(([name, description]) => ({ name, description }));

/** A URL that parses and resolves to public addresses (DNS is asked here, before any transaction), or VALIDATION on `field`. */
async function checkedUrl(ctx: Context, raw: string, field: string): Promise<string> {
  const url = parseWebhookUrl(raw);
  if (typeof url === 'string') return invalid(field, url);
  const problem = await targetProblem(url, ctx.deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS);
  if (problem) invalid(field, problem);
  return url.href;
}

const checkedEvents = (checks: InputChecks, raw: string[], field: string) => {
  const events = uniq(raw.map((e) => e.trim()));
  checks.check(events.length > 0, field, 'events must name at least one event type.');
  for (const e of events)
    checks.check(
      isWebhookEventName(e),
      field,
      `Unknown event type ${JSON.stringify(e).slice(0, 60)}; see webhookEventTypes.`,
    );
  return events;
};

interface Demand {
  categoryCodes: string[];
  regionCodes: string[];
  needRegionCodes: string[];
}

/** A market-wide demand subscription: known codes, and `need.created` among the events. */
function checkedDemand(checks: InputChecks, input: WebhookDemandInput, events: string[], field: string): Demand {
  const categoryCodes = uniq(input.categoryCodes ?? []);
  const regionCodes = uniq(input.regionCodes ?? []);
  checks.known(categoryCodes, `${field}.categoryCodes`, serviceCategory, 'service category');
  checks.known(regionCodes, `${field}.regionCodes`, region, 'region');
  checks.check(
    events.includes('need.created') || events.includes('need.*'),
    field,
    'demand is delivered as need.created events: add need.created (or need.*) to events.',
  );
  return { categoryCodes, regionCodes, needRegionCodes: uniq(regionCodes.flatMap((c) => regionsOfNeedsIn(c))) };
}

const setDemand = (w: Webhook, d: Demand | null) => {
  w.demandCategoryCodes = d?.categoryCodes ?? null;
  w.demandRegionCodes = d?.regionCodes ?? null;
  w.demandNeedRegionCodes = d?.needRegionCodes ?? null;
};

export async function createWebhook(
  ctx: Context,
  input: CreateWebhookInput,
): Promise<{ webhook: Webhook; secret: string | null }> {
  const viewer = ctx.viewer;
  const organizationId = input.organizationId ?? viewer.organizationId;
  if (!organizationId) throw badInput('organizationId is required for operator keys.', 'input.organizationId');
  if (!managesWebhooksOf(viewer, organizationId))
    throw forbidden('This API key may not manage webhooks of that organization.');
  const url = parseWebhookUrl(input.url);
  const checks = new InputChecks().check(typeof url !== 'string', 'input.url', typeof url === 'string' ? url : '');
  const problem = input.secret == null ? null : secretProblem(input.secret);
  checks.check(!problem, 'input.secret', problem ?? '');
  const events = checkedEvents(checks, input.events, 'input.events');
  const demand = input.demand ? checkedDemand(checks, input.demand, events, 'input.demand') : null;
  checks.done();
  const href = await checkedUrl(ctx, input.url, 'input.url');
  const generated = input.secret == null ? generateSecret() : null;
  const secretsKey = ctx.deps.config.WEBHOOK_SECRETS_KEY;
  const insertWebhook = async (em: EntityManager): Promise<Webhook> => {
    if (!(isUuid(organizationId) && (await em.findOne(Organization, organizationId)))) throw notFound('Organization');
    if ((await em.count(Webhook, { organizationId })) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
      refuse(
        UserErrorCode.VALIDATION,
        `An organization may have at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks; delete one first.`,
        'input.url',
      );
    }
    const w = new Webhook({
      organizationId,
      url: href,
      events,
      secret: sealSecret(generated ?? input.secret!, secretsKey),
    });
    setDemand(w, demand);
    em.persist(w);
    recordAudit(ctx, em, {
      action: 'webhook.created',
      entityType: 'Webhook',
      entityId: w.id,
      partyIds: [organizationId],
      after: { url: w.url, events, demand: w.demand },
    });
    return w;
  };
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'createWebhook',
      input,
      async () => {
        const webhook = await insertWebhook(em);
        return { result: { webhook, secret: generated }, saved: { id: webhook.id } };
      },
      // A retry gets the webhook without its secret, which cannot be read back: a client whose first
      // answer was lost rotates it (rotateWebhookSecret with overlapSeconds 0).
      async (saved) => {
        const webhook = await em.findOne(Webhook, saved.id);
        if (!webhook) throw notFound('Webhook');
        return { webhook, secret: null };
      },
    ),
  );
}

/** A webhook the viewer manages; anything else reads as not found. */
export async function findWebhook(ctx: Context, id: string, em: EntityManager = ctx.em): Promise<Webhook | null> {
  const w = isUuid(id) ? await em.findOne(Webhook, id) : null;
  return w && managesWebhooksOf(ctx.viewer, w.organizationId) ? w : null;
}

const ownWebhook = async (ctx: Context, em: EntityManager, id: string) =>
  (await findWebhook(ctx, id, em)) ?? Promise.reject(notFound('Webhook'));

const snapshot = (w: Webhook) => ({ url: w.url, events: w.events, active: w.active, demand: w.demand });

export async function updateWebhook(ctx: Context, input: UpdateWebhookInput): Promise<Webhook> {
  // Tenancy first: someone else's webhook reads as missing, whatever the input.
  const current = await ownWebhook(ctx, ctx.em, input.id);
  const checks = new InputChecks().check(
    !(input.demand && input.clearDemand),
    'input.clearDemand',
    'Give demand or clearDemand, not both.',
  );
  const events = input.events ? checkedEvents(checks, input.events, 'input.events') : current.events;
  const demand = input.demand ? checkedDemand(checks, input.demand, events, 'input.demand') : undefined;
  if (!input.demand && !input.clearDemand && current.demand && input.events) {
    checks.check(
      events.includes('need.created') || events.includes('need.*'),
      'input.events',
      'This webhook receives new demand as need.created events: keep need.created (or need.*), or clear the demand.',
    );
  }
  checks.done();
  const url = input.url != null ? await checkedUrl(ctx, input.url, 'input.url') : undefined;
  return ctx.em.transactional(async (em) => {
    const w = await ownWebhook(ctx, em, input.id);
    const before = snapshot(w);
    if (url !== undefined) w.url = url;
    if (input.events) w.events = events;
    if (input.active != null) w.active = input.active;
    if (demand) setDemand(w, demand);
    if (input.clearDemand) setDemand(w, null);
    recordAudit(ctx, em, {
      action: 'webhook.updated',
      entityType: 'Webhook',
      entityId: w.id,
      partyIds: [w.organizationId],
      ...diff(before, snapshot(w)),
    });
    return w;
  });
}

export async function rotateWebhookSecret(
  ctx: Context,
  input: RotateWebhookSecretInput,
): Promise<{ webhook: Webhook; secret: string | null }> {
  await ownWebhook(ctx, ctx.em, input.id);
  const overlap = input.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
  const problem = input.secret == null ? null : secretProblem(input.secret);
  new InputChecks()
    .check(
      Number.isInteger(overlap) && overlap >= 0 && overlap <= MAX_OVERLAP_SECONDS,
      'input.overlapSeconds',
      `overlapSeconds must be 0 to ${MAX_OVERLAP_SECONDS}.`,
    )
    .check(!problem, 'input.secret', problem ?? '')
    .done();
  const generated = input.secret == null ? generateSecret() : null;
  const sealed = sealSecret(generated ?? input.secret!, ctx.deps.config.WEBHOOK_SECRETS_KEY);
  const webhook = await ctx.em.transactional(async (em) => {
    const w = await ownWebhook(ctx, em, input.id);
    // One statement decides, also against a concurrent rotation: with an overlap, only when no other
    // overlap is running (three secrets at once would leave receivers unsure which one to keep).
    const [row] = await em.execute<{ ends: Date | null }[]>(
      `update webhook
          set previous_secret = case when ?::int > 0 then secret end,
              previous_secret_expires_at = case when ?::int > 0 then now() + ?::int * interval '1 second' end,
              secret = ?, updated_at = now()
        where id = ? and (?::int = 0 or previous_secret_expires_at is null or previous_secret_expires_at <= now())
        returning previous_secret_expires_at as ends`,
      [overlap, overlap, overlap, sealed, w.id, overlap],
    );
    if (!row) {
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        `A secret rotation is in progress until ${w.rotationEndsAt?.toISOString()}: let it end first, or rotate with overlapSeconds: 0 to drop every old secret at once (for a leaked secret).`,
        'input.id',
      );
    }
    recordAudit(ctx, em, {
      action: 'webhook.secretRotated',
      entityType: 'Webhook',
      entityId: w.id,
      partyIds: [w.organizationId],
      after: { overlapSeconds: overlap, rotationEndsAt: row.ends },
    });
    return em.refresh(w) as Promise<Webhook>;
  });
  return { webhook, secret: generated };
}

/** Queues a `webhook.ping` test event for one webhook; the delivery is returned to follow in the log. */
export async function pingWebhook(
  ctx: Context,
  input: { id: string; idempotencyKey?: string | null },
): Promise<WebhookDelivery> {
  const queuePing = async (em: EntityManager, id: string): Promise<WebhookDelivery> => {
    const w = await ownWebhook(ctx, em, id);
    if (!w.active)
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        'The webhook is paused: resume it (updateWebhook active: true) before pinging it.',
        'input.id',
      );
    const event = recordAudit(ctx, em, {
      action: 'webhook.ping',
      entityType: 'Webhook',
      entityId: w.id,
      partyIds: [w.organizationId],
      after: { url: w.url },
    });
    const d = em.create(WebhookDelivery, {
      webhookId: w.id,
      auditEventId: event.id,
      event: event.action,
      status: WebhookDeliveryStatus.PENDING,
      attempts: 0,
      nextAttemptAt: new Date(),
    });
    em.persist(d);
    return d;
  };
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'pingWebhook',
      input,
      async () => {
        const d = await queuePing(em, input.id);
        return { result: d, saved: { id: d.id } };
      },
      // The webhook (and its log) may have been deleted since: then it reads as not found.
      async (saved) => {
        const d = await em.findOne(WebhookDelivery, saved.id);
        if (!d) throw notFound('Webhook');
        return d;
      },
    ),
  );
}

/** Sends a past delivery again: the same event (same id), a fresh set of attempts. */
export async function redeliverWebhookDelivery(ctx: Context, id: string): Promise<WebhookDelivery> {
  return ctx.em.transactional(async (em) => {
    const d = isUuid(id) ? await em.findOne(WebhookDelivery, id) : null;
    const w = d && (await findWebhook(ctx, d.webhookId, em));
    if (!d || !w) throw notFound('Webhook delivery');
    if (!w.active)
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        'The webhook is paused: resume it (updateWebhook active: true) before redelivering.',
        'input.id',
      );
    const [row] = await em.execute(
      `update webhook_delivery set status = 'PENDING', attempts = 0, next_attempt_at = now(), delivered_at = null
        where id = ? and status <> 'PENDING' returning id`,
      [d.id],
    );
    if (!row)
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        'This delivery is still pending: it is sent at its next attempt.',
        'input.id',
      );
    recordAudit(ctx, em, {
      action: 'webhook.redelivered',
      entityType: 'Webhook',
      entityId: w.id,
      partyIds: [w.organizationId],
      after: { deliveryId: d.id, eventId: d.auditEventId },
    });
    return em.refresh(d) as Promise<WebhookDelivery>;
  });
}

export async function deleteWebhook(ctx: Context, id: string): Promise<Webhook> {
  return ctx.em.transactional(async (em) => {
    const w = await ownWebhook(ctx, em, id);
    // Its delivery log goes with it (ON DELETE CASCADE); the audit trail keeps the creation and deletion.
    await em.nativeDelete(Webhook, { id: w.id });
    recordAudit(ctx, em, {
      action: 'webhook.deleted',
      entityType: 'Webhook',
      entityId: w.id,
      partyIds: [w.organizationId],
      before: { url: w.url, events: w.events },
    });
    return w;
  });
}

export async function listWebhooks(ctx: Context, page: Page) {
  const viewer = ctx.viewer;
  const where: FilterQuery<Webhook> = viewer.isOperator ? {} : { organizationId: viewer.organizationId };
  return findPage(ctx.em, Webhook, where, { createdAt: 'desc', id: 'desc' }, page);
}

export async function listDeliveries(
  ctx: Context,
  webhookId: string,
  status: WebhookDeliveryStatus | null | undefined,
  page: Page,
) {
  const webhook = await findWebhook(ctx, webhookId);
  if (!webhook) throw notFound('Webhook');
  const where: FilterQuery<WebhookDelivery> = { webhookId: webhook.id, ...(status ? { status } : {}) };
  return findPage(ctx.em, WebhookDelivery, where, { createdAt: 'desc', id: 'desc' }, page);
}
