import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DateTimeScalar } from '../shared/scalars';
import { Organization } from '../organizations/organization.entity';
import { AuditEvent } from '../audit/audit-event.entity';

@ObjectType({
  simpleResolvers: true,
  description: 'New demand a webhook receives: needs posted by any buyer in these categories and regions.',
})
export class WebhookDemand {
  @Field(() => [String], { description: 'Service category codes; empty means every category.' })
  categoryCodes!: string[];

  @Field(() => [String], {
    description:
      'Region codes; a need matches when it is located in one of them (a need in US-OH matches US-OH, HHS-5 and NATIONWIDE). Empty means everywhere.',
  })
  regionCodes!: string[];
}

export enum WebhookStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  DISABLED = 'DISABLED',
}

registerEnumType(WebhookStatus, {
  name: 'WebhookStatus',
  description: 'Whether a webhook receives deliveries now.',
  valuesConfig: {
    ACTIVE: { description: 'Deliveries are sent.' },
    PAUSED: {
      description:
        'The endpoint failed too many times in a row: the circuit breaker holds deliveries until `pausedUntil`, then tries again (one more failure pauses it again).',
    },
    DISABLED: { description: 'Deactivated: nothing is delivered.' },
  },
});

/**
 * An organization's HTTP endpoint for events. The secret signs every delivery; it is stored (sealed
 * when WEBHOOK_SECRETS_KEY is set) because signing needs it, and it is never part of the schema.
 */
@ObjectType({
  simpleResolvers: true,
  description: "An organization's HTTPS endpoint that receives the events it subscribed to, signed with its secret.",
})
@Entity({ tableName: 'webhook' })
export class Webhook extends BaseEntity {
  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'organization_id' })
  organizationId: string;

  @Field({ description: 'Where events are POSTed (http or https).' })
  @Property({ type: 'text' })
  url: string;

  @Field(() => [String], {
    description:
      'Event types delivered, e.g. `quote.accepted`, or `quote.*` for every quote event (see `webhookEventTypes`).',
  })
  @Property({ type: ArrayType })
  events: string[];

  /** The signing secret, sealed (see webhook-secret.ts). */
  @Property({ type: 'text' })
  secret: string;

  @Field({
    description:
      'Whether events are being delivered (set with `updateWebhook`). Events of a paused webhook are not queued; deliveries already queued wait.',
  })
  @Property({ type: 'boolean' })
  active: boolean = true;

  /** During a rotation: the previous secret, sealed; it signs beside the new one until `previousSecretExpiresAt`. */
  @Property({ type: 'text', nullable: true })
  previousSecret: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'During a secret rotation: until when every delivery is also signed with the previous secret. Null otherwise.',
  })
  get rotationEndsAt(): Date | null {
    return this.previousSecretExpiresAt && this.previousSecretExpiresAt.getTime() > Date.now()
      ? this.previousSecretExpiresAt
      : null;
  }

  /** Market-wide new demand: category codes (empty = all), null when not subscribed. */
  @Property({ type: ArrayType, nullable: true })
  demandCategoryCodes: string[] | null = null;

  /** Market-wide new demand: region codes as given (empty = everywhere). */
  @Property({ type: ArrayType, nullable: true })
  demandRegionCodes: string[] | null = null;

  /** The need regions those match (a subscription to HHS-5 matches needs in its states, HHS-5 and NATIONWIDE). */
  @Property({ type: ArrayType, nullable: true })
  demandNeedRegionCodes: string[] | null = null;

  @Field(() => WebhookDemand, {
    nullable: true,
    description:
      'New demand this webhook receives market-wide (`need.created` of any buyer, public fields only); null for only your own organization’s events.',
  })
  get demand(): WebhookDemand | null {
    return this.demandCategoryCodes && this.demandRegionCodes
      ? { categoryCodes: this.demandCategoryCodes, regionCodes: this.demandRegionCodes }
      : null;
  }

  /** Failed attempts in a row (any delivery); reaching WEBHOOK_BREAKER_FAILURES pauses the webhook. */
  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'While the circuit breaker has paused the webhook (too many failures in a row): when deliveries resume.',
  })
  @Property({ type: 'timestamptz', nullable: true })
  pausedUntil: Date | null = null;

  @Field(() => WebhookStatus, {
    description: 'ACTIVE, PAUSED by the circuit breaker (until `pausedUntil`), or DISABLED.',
  })
  get status(): WebhookStatus {
    if (!this.active) return WebhookStatus.DISABLED;
    return this.pausedUntil && new Date(this.pausedUntil).getTime() > Date.now()
      ? WebhookStatus.PAUSED
      : WebhookStatus.ACTIVE;
  }

  constructor(init: { organizationId: string; url: string; events: string[]; secret: string }) {
    super();
    this.organizationId = init.organizationId;
    this.url = init.url;
    this.events = init.events;
    this.secret = init.secret;
  }
}

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING until the receiver answers 2xx (SUCCEEDED) or every attempt has failed (FAILED).',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: waiting for its first attempt or for a retry at `nextAttemptAt`.' },
    SUCCEEDED: { description: 'The receiver answered with a 2xx status.' },
    FAILED: { description: 'Every attempt failed; no more retries.' },
  },
});

/** One event for one webhook: its attempts so far and the outcome. Written by the event dispatcher. */
@ObjectType({
  simpleResolvers: true,
  description: 'One event sent (or to be sent) to one webhook, with its attempts and outcome.',
})
@Entity({ tableName: 'webhook_delivery' })
export class WebhookDelivery {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID, { description: 'Stable UUID; also sent as the `X-Exchange-Delivery` header.' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => DateTimeScalar, { description: 'When the delivery was queued.' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @ManyToOne(() => Webhook, { mapToPk: true, fieldName: 'webhook_id' })
  webhookId!: string;

  @Field(() => ID, {
    name: 'eventId',
    simple: false,
    description: 'Id of the event (the `id` of the JSON body): the same on every retry, use it to ignore duplicates.',
  })
  @ManyToOne(() => AuditEvent, { mapToPk: true, fieldName: 'audit_event_id' })
  auditEventId!: string;

  @Field({ description: 'Event type, e.g. `quote.accepted`.' })
  @Property({ type: 'text' })
  event!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'PENDING, SUCCEEDED or FAILED.' })
  @Enum({ items: () => WebhookDeliveryStatus })
  status: WebhookDeliveryStatus = WebhookDeliveryStatus.PENDING;

  @Field(() => Int, { description: 'Attempts made so far.' })
  @Property({ type: 'integer' })
  attempts: number = 0;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the next attempt is due (PENDING only).' })
  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null = null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the last attempt started.' })
  @Property({ type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null = null;

  @Field(() => Int, {
    nullable: true,
    description:
      'HTTP status of the last answer (null when there was none: timeout, refused connection, blocked address).',
  })
  @Property({ type: 'integer', nullable: true })
  lastStatusCode: number | null = null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (null after a success).' })
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the receiver accepted it.' })
  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null = null;
}
