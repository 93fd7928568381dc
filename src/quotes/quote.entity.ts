import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DateTimeScalar, DecimalScalar, MonthScalar } from '../shared/scalars';
import { Organization } from '../organizations/organization.entity';
import { Offering } from '../catalog/offering.entity';
import { Need } from '../needs/need.entity';
import type { PricedLine } from './pricing';
import { EngagementPhase } from '../capacity/engagement-phase';

export enum QuoteStatus {
  ISSUED = 'ISSUED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  WITHDRAWN = 'WITHDRAWN',
  SUPERSEDED = 'SUPERSEDED',
}
registerEnumType(QuoteStatus, {
  name: 'QuoteStatus',
  description: 'ISSUED quotes hold capacity until they expire; every other status has released it (ACCEPTED turned it into the engagement’s).',
});

@ObjectType({ simpleResolvers: true, description: 'One month of a quote or engagement schedule.' })
export class ScheduleLine {
  @Field(() => MonthScalar, { description: 'The month.' })
  month!: string;

  @Field(() => Int, { description: 'Units in the month.' })
  units!: number;

  @Field(() => EngagementPhase, { description: 'Ramp phase of the month.' })
  phase!: EngagementPhase;

  @Field(() => DecimalScalar, { description: 'Unit price after tiers and discount.' })
  unitPrice!: string;

  @Field(() => DecimalScalar, { description: 'Billed amount: units x unit price, at least the monthly minimum, rounded half-up to cents.' })
  amount!: string;
}

/** A provider's priced offer for a need. Revisions are new versions that supersede the old one. */
@ObjectType({ simpleResolvers: true, description: "A provider's priced offer for a need: ramp schedule, prices, totals, validity. Visible only to its two parties and the operator." })
@Entity({ tableName: 'quote' })
export class Quote extends BaseEntity {
  @ManyToOne(() => Need, { mapToPk: true, fieldName: 'need_id' })
  needId: string;

  @ManyToOne(() => Offering, { mapToPk: true, fieldName: 'offering_id' })
  offeringId: string;

  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'provider_id' })
  providerId: string;

  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'buyer_id' })
  buyerId: string;

  @Field(() => Int, { description: 'Version: 1 for the first issue, n+1 for each revision.' })
  @Property({ type: 'integer' })
  version = 1;

  @ManyToOne(() => Quote, { mapToPk: true, nullable: true, fieldName: 'supersedes_id' })
  supersedesId: string | null = null;

  @Enum({ items: () => QuoteStatus, fieldName: 'status' })
  storedStatus: QuoteStatus = QuoteStatus.ISSUED;

  @Field(() => DateTimeScalar, { description: 'When the quote lapses (its holds stop counting then).' })
  @Property({ type: 'timestamptz' })
  expiresAt: Date;

  @Field({ description: 'ISO 4217 currency of every amount.' })
  @Property({ type: 'text' })
  currency: string;

  @Field(() => Int, { description: 'Pilot months.' })
  @Property({ type: 'smallint' })
  pilotMonths = 0;

  @Field(() => Int, { description: 'Units per pilot month.' })
  @Property({ type: 'integer' })
  pilotUnits = 0;

  @Field(() => Int, { description: 'Expansion months.' })
  @Property({ type: 'smallint' })
  expansionMonths = 0;

  @Field(() => Int, { description: 'Units per expansion month.' })
  @Property({ type: 'integer' })
  expansionUnits = 0;

  @Field(() => Float, { description: 'Discount on unit prices, percent.' })
  @Property({ type: 'decimal', precision: 5, scale: 2 })
  discountPercent: string = '0';

  @Field(() => DecimalScalar, { description: 'One-time setup fee.' })
  @Property({ type: 'decimal', precision: 14, scale: 2 })
  setupFee: string;

  @Field(() => DecimalScalar, { description: 'Sum of the schedule amounts plus the setup fee.' })
  @Property({ type: 'decimal', precision: 16, scale: 2 })
  total: string;

  @Field(() => [ScheduleLine], { description: 'Month-by-month schedule with the ramp.' })
  @Property({ type: 'json' })
  schedule: PricedLine[];

  @Property({ type: 'text', nullable: true })
  declineReason: string | null = null;

  /** The status as clients see it: an ISSUED quote past its expiry is EXPIRED even before the sweeper runs. */
  @Field(() => QuoteStatus, { description: 'ISSUED, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN or SUPERSEDED.' })
  get status(): QuoteStatus {
    return this.storedStatus === QuoteStatus.ISSUED && this.expiresAt.getTime() <= Date.now() ? QuoteStatus.EXPIRED : this.storedStatus;
  }

  constructor(init: {
    needId: string;
    offeringId: string;
    providerId: string;
    buyerId: string;
    expiresAt: Date;
    currency: string;
    setupFee: string;
    total: string;
    schedule: PricedLine[];
  }) {
    super();
    this.needId = init.needId;
    this.offeringId = init.offeringId;
    this.providerId = init.providerId;
    this.buyerId = init.buyerId;
    this.expiresAt = init.expiresAt;
    this.currency = init.currency;
    this.setupFee = init.setupFee;
    this.total = init.total;
    this.schedule = init.schedule;
  }
}
