import { ArrayMaxSize, IsOptional, MaxLength, Length } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { UserError } from '../shared/errors';
import { Webhook, WebhookDelivery } from './webhook.entity';

@InputType({
  description:
    'New demand to receive market-wide: `need.created` of any buyer in these categories and regions (public fields of the need only).',
})
export class WebhookDemandInput {
  @Field(() => [String], {
    nullable: true,
    description: 'Service category codes; omitted or empty means every category.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(60, { each: true })
  categoryCodes?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Region codes; a need located in one of them matches (a need in US-OH matches US-OH, HHS-5 and NATIONWIDE). Omitted or empty means everywhere.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(60, { each: true })
  regionCodes?: string[] | null;
}

@InputType({ description: 'A new webhook: where to POST which events, and the secret that signs them.' })
export class CreateWebhookInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Owner: taken from ADMIN and INTEGRATION keys (must match if given); required for the operator.',
  })
  @IsOptional()
  organizationId?: string | null;

  @Field({ description: 'http(s) URL receiving the events. Private, loopback and link-local addresses are refused.' })
  @MaxLength(2000)
  url!: string;

  @Field(() => [String], {
    description: 'Event types to receive, e.g. `["quote.accepted", "engagement.*"]` (see `webhookEventTypes`).',
  })
  @ArrayMaxSize(100)
  @MaxLength(60, { each: true })
  events!: string[];

  @Field(() => String, {
    nullable: true,
    description:
      'Signing secret (Standard Webhooks): leave it out and the exchange generates a `whsec_...` secret, returned once in the payload. A secret of your own is `whsec_` and 24-64 random bytes in base64; any other string of 16-200 characters is still accepted and used as raw bytes (deprecated). It cannot be read back.',
  })
  @IsOptional()
  @MaxLength(1000)
  secret?: string | null;

  @Field(() => WebhookDemandInput, {
    nullable: true,
    description: 'Also receive new demand market-wide (needs `need.created` or `need.*` in `events`): for sellers.',
  })
  @IsOptional()
  demand?: WebhookDemandInput | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Retry key: the same key and input return the webhook the first call created, without its secret (it cannot be read back: rotate it if that answer was lost).',
  })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to a webhook; fields left out stay as they are.' })
export class UpdateWebhookInput {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'New URL (checked as at creation: it must resolve to public addresses).',
  })
  @IsOptional()
  @MaxLength(2000)
  url?: string | null;

  @Field(() => [String], { nullable: true, description: 'New event types (replaces the list).' })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(60, { each: true })
  events?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false pauses deliveries (events meanwhile are not queued for it), true resumes them.',
  })
  @IsOptional()
  active?: boolean | null;

  @Field(() => WebhookDemandInput, {
    nullable: true,
    description: 'New market-wide demand subscription (replaces it).',
  })
  @IsOptional()
  demand?: WebhookDemandInput | null;

  @Field(() => Boolean, { nullable: true, description: 'true ends the market-wide demand subscription.' })
  @IsOptional()
  clearDemand?: boolean | null;
}

@InputType({ description: 'Names the webhook to delete.' })
export class DeleteWebhookInput {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;
}

export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

@InputType({
  description:
    'Replaces the signing secret of a webhook, with an overlap during which both secrets sign every delivery.',
})
export class RotateWebhookSecretInput {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;

  @Field(() => Int, {
    nullable: true,
    description: `Seconds during which deliveries carry signatures with both the old and the new secret (default ${DEFAULT_OVERLAP_SECONDS}, at most ${MAX_OVERLAP_SECONDS}). 0 drops the old secret at once: use it for a leaked secret (it also ends a rotation in progress).`,
  })
  @IsOptional()
  overlapSeconds?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'The new secret (`whsec_` and 24-64 bytes in base64); left out, the exchange generates one.',
  })
  @IsOptional()
  @MaxLength(1000)
  secret?: string | null;
}

@InputType({ description: 'Names the webhook to send a test event to.' })
export class PingWebhookInput {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Retry key: the same key and input return the first ping’s delivery instead of sending another.',
  })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Names the delivery to send again.' })
export class RedeliverWebhookDeliveryInput {
  @Field(() => ID, { description: 'The delivery (from `webhookDeliveries`).' })
  id!: string;
}

@ObjectType({ simpleResolvers: true, description: 'An event type webhooks can subscribe to.' })
export class WebhookEventType {
  @Field({ description: 'Name, as sent in the `type` field and the `X-Exchange-Event` header, e.g. `quote.accepted`.' })
  name!: string;

  @Field({ description: 'When it is sent.' })
  description!: string;
}

/** Payloads that may carry a secret generated by the exchange (shown once). */
function SecretPayload(name: string, description: string) {
  @ObjectType(`${name}Payload`, { description })
  class SecretPayloadType {
    @Field(() => Webhook, {
      name: 'webhook',
      nullable: true,
      description: 'The webhook; null when userErrors is not empty.',
    })
    object!: Webhook | null;

    @Field(() => String, {
      nullable: true,
      description: 'The signing secret the exchange generated (`whsec_...`), shown this once; null when you chose it.',
    })
    secret!: string | null;

    @Field(() => [UserError], { description: 'Business-rule failures; empty on success.' })
    userErrors!: UserError[];
  }
  return SecretPayloadType;
}

export const WebhookConnection = Connection(Webhook);
export const WebhookDeliveryConnection = Connection(WebhookDelivery);
export const CreateWebhookPayload = SecretPayload('CreateWebhook', 'Result of `createWebhook`.');
export const RotateWebhookSecretPayload = SecretPayload('RotateWebhookSecret', 'Result of `rotateWebhookSecret`.');
export const UpdateWebhookPayload = Payload('UpdateWebhook', 'webhook', Webhook);
export const DeleteWebhookPayload = Payload('DeleteWebhook', 'webhook', Webhook);
export const PingWebhookPayload = Payload('PingWebhook', 'delivery', WebhookDelivery);
export const RedeliverWebhookDeliveryPayload = Payload('RedeliverWebhookDelivery', 'delivery', WebhookDelivery);
