import { ArrayType, Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DateTimeScalar, DecimalScalar, MonthScalar } from '../shared/scalars';
import { Organization } from '../organizations/organization.entity';
import { CoverageHours, Offering, PriceTier, Pricing, SlaTarget } from '../catalog/offering.entity';
import { Certification } from '../organizations/organization.entity';
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
  NOT_AWARDED = 'NOT_AWARDED',
}
registerEnumType(QuoteStatus, {
  name: 'QuoteStatus',
  description:
    'ISSUED quotes hold capacity until they expire; every other status has released it (ACCEPTED turned it into the engagement’s).',
  valuesConfig: {
    ISSUED: { description: 'Live: the buyer may accept it until it expires; it holds capacity.' },
    ACCEPTED: { description: 'The buyer accepted it; an engagement was created.' },
    DECLINED: { description: 'The buyer declined it (`closedReason` says why when given).' },
    EXPIRED: { description: 'It ran out of time, or its need was cancelled or changed (`closedReason` says which).' },
    WITHDRAWN: { description: 'The provider withdrew it.' },
    SUPERSEDED: { description: 'A newer version replaced it.' },
    NOT_AWARDED: { description: 'The buyer accepted another quote on the need.' },
  },
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

  @Field(() => DecimalScalar, {
    description: 'Billed amount: units x unit price, at least the monthly minimum, rounded half-up to cents.',
  })
  amount!: string;
}

/** A provider's priced offer for a need. Revisions are new versions that supersede the old one. */
@ObjectType({
  simpleResolvers: true,
  description:
    "A provider's priced offer for a need: ramp schedule, prices, totals, validity. Visible only to its two parties and the operator.",
})
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

  @Field(() => String, {
    nullable: true,
    description:
      'Why the quote is no longer live: the decline reason, lost to another quote, need changed or cancelled, withdrawn. Visible to both parties.',
  })
  @Property({ type: 'text', nullable: true })
  closedReason: string | null = null;

  // The quote's own terms, copied from the offering when issued: later offering edits never touch them.
  @Property({ type: 'decimal', precision: 14, scale: 4 })
  unitPrice!: string;

  @Property({ type: 'json' })
  priceTiers!: PriceTier[];

  @Property({ type: 'decimal', precision: 14, scale: 2 })
  monthlyMinimum!: string;

  @Field(() => [SlaTarget], { description: 'SLA targets agreed in this quote (fixed when it was issued).' })
  @Property({ type: 'json' })
  slaTargets!: SlaTarget[];

  @Field(() => Int, {
    description:
      'Consecutive monthly reports meeting every SLA target an engagement from this quote needs to advance a phase.',
  })
  @Property({ type: 'smallint' })
  gateReportCount!: number;

  @Field(() => Int, { description: 'Months of notice to terminate an engagement from this quote without cause.' })
  @Property({ type: 'smallint' })
  terminationNoticeMonths!: number;

  @Field(() => CoverageHours, { nullable: true, description: 'Coverage hours agreed.' })
  @Enum({ items: () => CoverageHours, nullable: true })
  coverageHours: CoverageHours | null = null;

  @Field(() => [String], { description: 'Languages agreed, ISO 639-1 codes.' })
  @Property({ type: ArrayType })
  languages: string[] = [];

  @Field(() => [Certification], { description: 'Certifications the provider attests for this service.' })
  @Property({ type: ArrayType })
  certifications: Certification[] = [];

  @Field(() => Pricing, { description: 'The price book the schedule was priced from (fixed when issued).' })
  get pricing(): Pricing {
    return {
      currency: this.currency,
      unitPrice: this.unitPrice,
      setupFee: this.setupFee,
      monthlyMinimum: this.monthlyMinimum,
      tiers: this.priceTiers,
    };
  }

  /** The status as clients see it: an ISSUED quote past its expiry is EXPIRED even before the sweeper runs. */
  @Field(() => QuoteStatus, {
    description: 'ISSUED, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN, SUPERSEDED or NOT_AWARDED.',
  })
  get status(): QuoteStatus {
    return this.storedStatus === QuoteStatus.ISSUED && this.expiresAt.getTime() <= Date.now()
      ? QuoteStatus.EXPIRED
      : this.storedStatus;
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

/** The terms a quote copies from its offering when it is issued (or revised). */
export const termsOf = (
  o: Offering,
): Pick<
  Quote,
  | 'unitPrice'
  | 'priceTiers'
  | 'monthlyMinimum'
  | 'slaTargets'
  | 'gateReportCount'
  | 'terminationNoticeMonths'
  | 'coverageHours'
  | 'languages'
  | 'certifications'
> => ({
  unitPrice: o.unitPrice,
  priceTiers: o.priceTiers.map((t) => ({ ...t })),
  monthlyMinimum: o.monthlyMinimum,
  slaTargets: o.slaTargets.map((t) => ({ ...t })),
  gateReportCount: o.gateReportCount,
  terminationNoticeMonths: o.terminationNoticeMonths,
  coverageHours: o.coverageHours,
  languages: [...o.languages],
  certifications: [...o.certifications],
});
