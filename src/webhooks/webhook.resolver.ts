import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Webhook, WebhookDeliveryStatus } from './webhook.entity';
import {
  CreateWebhookInput,
  CreateWebhookPayload,
  DeleteWebhookInput,
  DeleteWebhookPayload,
  PingWebhookInput,
  PingWebhookPayload,
  RedeliverWebhookDeliveryInput,
  RedeliverWebhookDeliveryPayload,
  RotateWebhookSecretInput,
  RotateWebhookSecretPayload,
  UpdateWebhookInput,
  UpdateWebhookPayload,
  WebhookConnection,
  WebhookDeliveryConnection,
  WebhookEventType,
} from './webhook.types';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  pingWebhook,
  redeliverWebhookDelivery,
  rotateWebhookSecret,
  updateWebhook,
  webhookEventTypes,
} from './webhook.service';
import { Organization } from '../organizations/organization.entity';
import { WRITERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { PageArgs, toConnection, toPage } from '../shared/connection';
import { toPayload } from '../shared/payload';
import type { UserError } from '../shared/errors';

const withSecret = (r: { webhook: Webhook; secret: string | null } | null, userErrors: UserError[]) => ({
  object: r?.webhook ?? null,
  secret: r?.secret ?? null,
  userErrors,
});

@Authorized(...WRITERS)
@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => WebhookConnection, {
    description: "Your organization's webhooks (all of them for the operator), newest first.",
  })
  async webhooks(@Args() args: PageArgs, @Ctx() ctx: Context) {
    const page = toPage(args);
    return toConnection(await listWebhooks(ctx, page), page);
  }

  @Query(() => WebhookDeliveryConnection, {
    description: 'Delivery log of one of your webhooks, newest first: status, attempts, last answer.',
  })
  async webhookDeliveries(
    @Arg('webhookId', () => ID, { description: 'The webhook.' }) webhookId: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries in this status.' })
    status: WebhookDeliveryStatus | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(await listDeliveries(ctx, webhookId, status, page), page);
  }

  @Query(() => [WebhookEventType], {
    description:
      'Event types webhooks can subscribe to. `<object>.*` (e.g. `quote.*`) subscribes to every type of that object.',
  })
  webhookEventTypes(): WebhookEventType[] {
    return webhookEventTypes();
  }

  @Mutation(() => CreateWebhookPayload, {
    description:
      'Registers a webhook for an organization: ADMIN or INTEGRATION keys for their own, the operator for any. Deliveries are signed as Standard Webhooks specifies.',
  })
  createWebhook(@Arg('input') input: CreateWebhookInput, @Ctx() ctx: Context) {
    return toPayload(() => createWebhook(ctx, input), withSecret);
  }

  @Mutation(() => UpdateWebhookPayload, {
    description: 'Changes the URL, event types, demand subscription of a webhook, or pauses and resumes it.',
  })
  updateWebhook(@Arg('input') input: UpdateWebhookInput, @Ctx() ctx: Context) {
    return toPayload(() => updateWebhook(ctx, input));
  }

  @Mutation(() => RotateWebhookSecretPayload, {
    description:
      'Replaces the signing secret. During the overlap (default 24 h) every delivery carries a signature with each secret, so receivers switch without downtime; 0 drops the old secret at once.',
  })
  rotateWebhookSecret(@Arg('input') input: RotateWebhookSecretInput, @Ctx() ctx: Context) {
    return toPayload(() => rotateWebhookSecret(ctx, input), withSecret);
  }

  @Mutation(() => PingWebhookPayload, {
    description: 'Sends a `webhook.ping` test event to a webhook now; follow the returned delivery in the log.',
  })
  pingWebhook(@Arg('input') input: PingWebhookInput, @Ctx() ctx: Context) {
    return toPayload(() => pingWebhook(ctx, input));
  }

  @Mutation(() => RedeliverWebhookDeliveryPayload, {
    description:
      'Sends a past delivery (failed or not) again: the same event with the same id, with a fresh set of attempts.',
  })
  redeliverWebhookDelivery(@Arg('input') input: RedeliverWebhookDeliveryInput, @Ctx() ctx: Context) {
    return toPayload(() => redeliverWebhookDelivery(ctx, input.id));
  }

  @Mutation(() => DeleteWebhookPayload, {
    description: 'Deletes a webhook and its delivery log; pending deliveries are dropped.',
  })
  deleteWebhook(@Arg('input') input: DeleteWebhookInput, @Ctx() ctx: Context) {
    return toPayload(() => deleteWebhook(ctx, input.id));
  }

  @FieldResolver(() => Organization, { description: 'The organization whose events the webhook receives.' })
  organization(@Root() w: Webhook, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(w.organizationId);
  }
}
