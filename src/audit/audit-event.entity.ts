import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../shared/scalars';
import { Role } from '../access/role';

@ObjectType({ simpleResolvers: true, description: 'Who made a change.' })
export class AuditActor {
  @Field(() => ID, { nullable: true, description: 'API key used (null for system jobs such as the hold sweeper).' })
  apiKeyId!: string | null;

  @Field(() => Role, { nullable: true, description: 'Role of that key.' })
  role!: Role | null;

  @Field(() => ID, { nullable: true, description: 'Organization of that key (null for operator keys).' })
  organizationId!: string | null;
}

/**
 * One change, as written in the same transaction as the change itself. Append-only: PostgreSQL
 * refuses UPDATE, DELETE and TRUNCATE on this table.
 */
@ObjectType({
  simpleResolvers: true,
  description: 'One recorded change: who, what, before/after, when, request id. Append-only.',
})
@Entity({ tableName: 'audit_event' })
export class AuditEvent {
  @Field(() => ID, { description: 'Stable UUID.' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => DateTimeScalar, { description: 'When the change happened.' })
  @Property({ type: 'timestamptz' })
  at: Date = new Date();

  @Field({ description: 'What happened, e.g. `offering.published`.' })
  @Property({ type: 'text' })
  action!: string;

  @Field({ description: 'Type of the changed object, e.g. `Offering`.' })
  @Property({ type: 'text' })
  entityType!: string;

  @Field(() => ID, { description: 'Id of the changed object.' })
  @Property({ type: 'uuid' })
  entityId!: string;

  @Property({ type: 'uuid', nullable: true })
  actorKeyId: string | null = null;

  @Property({ type: 'text', nullable: true })
  actorRole: Role | null = null;

  @Property({ type: 'uuid', nullable: true })
  actorOrganizationId: string | null = null;

  /** The parties of the changed object: each reads the event (see access/visibility.ts). */
  @Property({ type: ArrayType })
  partyIds: string[] = [];

  /** The parties acting as buyer in it (a subset of partyIds): their network reads the event too. */
  @Property({ type: ArrayType })
  buyerIds: string[] = [];

  @Field(() => JSONScalar, { description: '`{ before, after }` snapshots of the changed fields.' })
  @Property({ type: 'json' })
  changes!: { before: unknown; after: unknown };

  @Field(() => String, { nullable: true, description: 'Request id of the API call that made the change.' })
  @Property({ type: 'text', nullable: true })
  requestId: string | null = null;

  @Field(() => AuditActor, { description: 'Who made the change.' })
  get actor(): AuditActor {
    return { apiKeyId: this.actorKeyId, role: this.actorRole, organizationId: this.actorOrganizationId };
  }
}
