import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity';
import { Field, ObjectType } from 'type-graphql';
import { Role } from '../access/role';
import { BaseEntity } from '../shared/base.entity';
import { DateTimeScalar } from '../shared/scalars';

/** An API key. Only a SHA-256 hash of the secret is stored; the secret is shown once at creation. */
@ObjectType({ simpleResolvers: true, description: 'An API key (the secret itself is never readable after creation).' })
@Entity({ tableName: 'api_key' })
export class ApiKey extends BaseEntity {
  /** Null for OPERATOR keys. */
  @ManyToOne(() => Organization, { mapToPk: true, nullable: true, fieldName: 'organization_id' })
  organizationId: string | null;

  @Field(() => Role, { description: 'Role of the key.' })
  @Enum({ items: () => Role })
  role: Role;

  @Field({ description: 'Label to recognize the key by, e.g. `billing portal`.' })
  @Property({ type: 'text' })
  label: string;

  @Property({ type: 'text', hidden: true })
  secretHash: string;

  @Field({ description: 'First characters of the secret, to recognize it in logs and settings.' })
  @Property({ type: 'text' })
  secretPrefix: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'When the key was last used, to the hour (coarse on purpose: at most one write per key and hour); null if never used since this was recorded.',
  })
  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the key was revoked; a revoked key authenticates nothing.',
  })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  constructor(init: {
    organizationId: string | null;
    role: Role;
    label: string;
    secretHash: string;
    secretPrefix: string;
  }) {
    super();
    this.organizationId = init.organizationId;
    this.role = init.role;
    this.label = init.label;
    this.secretHash = init.secretHash;
    this.secretPrefix = init.secretPrefix;
  }
}
