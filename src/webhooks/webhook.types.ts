import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { Webhook, WebhookDelivery } from './webhook.entity';

@InputType({ description: 'A new webhook: where to POST which events, and the secret that signs them.' })
export class CreateWebhookInput {
  @Field(() => ID, { nullable: true, description: 'Owner: taken from ADMIN and INTEGRATION keys (must match if given); required for the operator.' })
  @IsOptional()
  organizationId?: string | null;

  @Field({ description: 'http(s) URL receiving the events. Private, loopback and link-local addresses are refused.' })
  @MaxLength(2000)
  url!: string;

  @Field(() => [String], { description: 'Event types to receive, e.g. `["quote.accepted", "engagement.*"]` (see `webhookEventTypes`).' })
  @ArrayMaxSize(100)
  @MaxLength(60, { each: true })
  events!: string[];

  @Field({ description: 'Shared secret (16-200 characters) for the HMAC-SHA256 signature of every delivery. It cannot be read back.' })
  @MaxLength(1000)
  secret!: string;
}

@InputType({ description: 'Names the webhook to delete.' })
export class DeleteWebhookInput {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;
}

@ObjectType({ simpleResolvers: true, description: 'An event type webhooks can subscribe to.' })
export class WebhookEventType {
  @Field({ description: 'Name, as sent in the `type` field and the `X-Exchange-Event` header, e.g. `quote.accepted`.' })
  name!: string;

  @Field({ description: 'When it is sent.' })
  description!: string;
}

export const WebhookConnection = Connection(Webhook);
export const WebhookDeliveryConnection = Connection(WebhookDelivery);
export const CreateWebhookPayload = Payload('CreateWebhook', 'webhook', Webhook);
export const DeleteWebhookPayload = Payload('DeleteWebhook', 'webhook', Webhook);
