// Webhooks of an organization: created and deleted by its ADMIN or INTEGRATION keys (or the
// operator), visible only to them; a webhook of another organization reads as not found.
import type { FilterQuery } from '@mikro-orm/postgresql';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';
import type { CreateWebhookInput } from './webhook.types';
import { sealSecret } from './webhook-secret';
import { parseWebhookUrl, targetProblem } from './webhook-target';
import { isWebhookEventName, WEBHOOK_EVENT_TYPES } from '../events/event-catalog';
import { Organization } from '../organizations/organization.entity';
import { Role } from '../auth/api-key.entity';
import type { Viewer } from '../auth/viewer';
import type { Context } from '../shared/context';
import type { Page } from '../shared/connection';
import { findPage } from '../shared/read-model';
import { badInput, forbidden, invalid, notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { InputChecks, uniq } from '../shared/validation';
import { recordAudit } from '../audit/audit.service';

const MAX_WEBHOOKS_PER_ORGANIZATION = 20;

/** Whose webhooks a key manages: any for the operator, its own organization's for ADMIN and INTEGRATION keys. */
const canManage = (viewer: Viewer, organizationId: string) =>
  viewer.isOperator || ((viewer.role === Role.ADMIN || viewer.role === Role.INTEGRATION) && viewer.organizationId === organizationId);

export const webhookEventTypes = () => Object.entries(WEBHOOK_EVENT_TYPES).map(([name, description]) => ({ name, description }));

export async function createWebhook(ctx: Context, input: CreateWebhookInput): Promise<Webhook> {
  const viewer = ctx.viewer!;
  const organizationId = input.organizationId ?? viewer.organizationId;
  if (!organizationId) throw badInput('organizationId is required for operator keys.', 'input.organizationId');
  if (!canManage(viewer, organizationId)) throw forbidden('This API key may not manage webhooks of that organization.');
  const url = parseWebhookUrl(input.url);
  const events = uniq(input.events.map((e) => e.trim()));
  const checks = new InputChecks()
    .check(typeof url !== 'string', 'input.url', typeof url === 'string' ? url : '')
    .check(events.length > 0, 'input.events', 'events must name at least one event type.')
    .check(input.secret.length >= 16 && input.secret.length <= 200, 'input.secret', 'secret must be 16 to 200 characters long.');
  for (const e of events) checks.check(isWebhookEventName(e), 'input.events', `Unknown event type ${JSON.stringify(e).slice(0, 60)}; see webhookEventTypes.`);
  checks.done();
  const problem = await targetProblem(url as URL, ctx.deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS);
  if (problem) invalid('input.url', problem);
  return ctx.em.transactional(async (em) => {
    if (!(isUuid(organizationId) && (await em.findOne(Organization, organizationId)))) throw notFound('Organization');
    if ((await em.count(Webhook, { organizationId })) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
      refuse(UserErrorCode.VALIDATION, `An organization may have at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks; delete one first.`, 'input.url');
    }
    const webhook = new Webhook({ organizationId, url: (url as URL).href, events, secret: sealSecret(input.secret, ctx.deps.config.WEBHOOK_SECRETS_KEY) });
    em.persist(webhook);
    recordAudit(ctx, em, { action: 'webhook.created', entityType: 'Webhook', entityId: webhook.id, partyIds: [organizationId], after: { url: webhook.url, events } });
    return webhook;
  });
}

/** A webhook the viewer manages; anything else reads as not found. */
export async function findWebhook(ctx: Context, id: string): Promise<Webhook | null> {
  const w = isUuid(id) ? await ctx.em.findOne(Webhook, id) : null;
  return w && canManage(ctx.viewer!, w.organizationId) ? w : null;
}

export async function deleteWebhook(ctx: Context, id: string): Promise<Webhook> {
  return ctx.em.transactional(async (em) => {
    const w = isUuid(id) ? await em.findOne(Webhook, id) : null;
    if (!w || !canManage(ctx.viewer!, w.organizationId)) throw notFound('Webhook');
    // Its delivery log goes with it (ON DELETE CASCADE); the audit trail keeps the creation and deletion.
    await em.nativeDelete(Webhook, { id: w.id });
    recordAudit(ctx, em, { action: 'webhook.deleted', entityType: 'Webhook', entityId: w.id, partyIds: [w.organizationId], before: { url: w.url, events: w.events } });
    return w;
  });
}

export async function listWebhooks(ctx: Context, page: Page) {
  const viewer = ctx.viewer!;
  const where: FilterQuery<Webhook> = viewer.isOperator ? {} : { organizationId: viewer.organizationId };
  return findPage(ctx.em, Webhook, where, { createdAt: 'desc', id: 'desc' }, page);
}

export async function listDeliveries(ctx: Context, webhookId: string, status: WebhookDeliveryStatus | null | undefined, page: Page) {
  const webhook = await findWebhook(ctx, webhookId);
  if (!webhook) throw notFound('Webhook');
  const where: FilterQuery<WebhookDelivery> = { webhookId: webhook.id, ...(status ? { status } : {}) };
  return findPage(ctx.em, WebhookDelivery, where, { createdAt: 'desc', id: 'desc' }, page);
}
