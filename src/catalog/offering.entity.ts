import { ArrayType, Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DecimalScalar } from '../shared/scalars';
import { Certification, Organization } from '../organizations/organization.entity';

export enum OfferingStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  PAUSED = 'PAUSED',
}
registerEnumType(OfferingStatus, {
  name: 'OfferingStatus',
  description: 'Lifecycle of an offering: only PUBLISHED offerings are visible to other organizations and matched.',
});

/** Allowed status changes, as data. */
export const OFFERING_TRANSITIONS: Record<OfferingStatus, OfferingStatus[]> = {
  [OfferingStatus.DRAFT]: [OfferingStatus.PUBLISHED],
  [OfferingStatus.PUBLISHED]: [OfferingStatus.PAUSED],
  [OfferingStatus.PAUSED]: [OfferingStatus.PUBLISHED],
};

export enum CoverageHours {
  BUSINESS_HOURS = 'BUSINESS_HOURS',
  EXTENDED = 'EXTENDED',
  AROUND_THE_CLOCK = 'AROUND_THE_CLOCK',
}
registerEnumType(CoverageHours, {
  name: 'CoverageHours',
  description: 'Hours a service is staffed; each level includes the ones before it.',
  valuesConfig: {
    BUSINESS_HOURS: { description: 'Weekdays, about 8:00-17:00 local time.' },
    EXTENDED: { description: 'Early mornings, evenings and Saturdays on top of business hours.' },
    AROUND_THE_CLOCK: { description: '24/7, holidays included.' },
  },
});
export const COVERAGE_ORDER = [CoverageHours.BUSINESS_HOURS, CoverageHours.EXTENDED, CoverageHours.AROUND_THE_CLOCK];

export enum SlaDirection {
  AT_LEAST = 'AT_LEAST',
  AT_MOST = 'AT_MOST',
}
registerEnumType(SlaDirection, {
  name: 'SlaDirection',
  description: 'Whether a metric must stay at or above, or at or below, its target.',
});

@ObjectType({
  simpleResolvers: true,
  description: 'A volume tier: from this many units a month, this unit price applies.',
})
export class PriceTier {
  @Field(() => Int, { description: 'Monthly units from which the tier applies.' })
  fromUnits!: number;

  @Field(() => DecimalScalar, { description: 'Unit price in the tier.' })
  unitPrice!: string;
}

@ObjectType({ simpleResolvers: true, description: 'How an offering is priced.' })
export class Pricing {
  @Field({ description: 'ISO 4217 currency code, e.g. `USD`.' })
  currency!: string;

  @Field(() => DecimalScalar, { description: 'Base unit price (up to 4 decimal places).' })
  unitPrice!: string;

  @Field(() => DecimalScalar, { description: 'One-time setup fee.' })
  setupFee!: string;

  @Field(() => DecimalScalar, { description: 'Minimum billed per month whatever the volume.' })
  monthlyMinimum!: string;

  @Field(() => [PriceTier], { description: 'Volume tiers, ascending by `fromUnits`.' })
  tiers!: PriceTier[];
}

@ObjectType({ simpleResolvers: true, description: 'A service-level target the provider commits to.' })
export class SlaTarget {
  @Field({ description: 'Metric name, e.g. `answered_within_20s_pct`, `coding_accuracy_pct`.' })
  metric!: string;

  @Field(() => Float, { description: 'Target value.' })
  target!: number;

  @Field({ description: 'Unit of the metric, e.g. `%`, `seconds`, `hours`.' })
  unit!: string;

  @Field(() => SlaDirection, { description: 'AT_LEAST or AT_MOST the target.' })
  direction!: SlaDirection;
}

/** What a provider sells in one service category: EHRs, regions, pricing, SLAs and status. */
@ObjectType({ simpleResolvers: true, description: 'What a provider sells in one service category.' })
@Entity({ tableName: 'offering' })
export class Offering extends BaseEntity {
  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'provider_id' })
  providerId: string;

  @Property({ type: 'text' })
  categoryCode: string;

  @Field({ description: 'Short title.' })
  @Property({ type: 'text' })
  title: string;

  @Field(() => String, { nullable: true, description: 'Description of the service (not for patient information).' })
  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Field(() => OfferingStatus, { description: 'DRAFT, PUBLISHED or PAUSED.' })
  @Enum({ items: () => OfferingStatus })
  status: OfferingStatus = OfferingStatus.DRAFT;

  @Property({ type: ArrayType })
  ehrPlatformCodes: string[] = [];

  @Property({ type: ArrayType })
  regionCodes: string[] = [];

  @Property({ type: 'text' })
  currency = 'USD';

  @Property({ type: 'decimal', precision: 14, scale: 4 })
  unitPrice: string;

  @Property({ type: 'decimal', precision: 14, scale: 2 })
  setupFee = '0.00';

  @Property({ type: 'decimal', precision: 14, scale: 2 })
  monthlyMinimum = '0.00';

  @Property({ type: 'json' })
  priceTiers: PriceTier[] = [];

  @Field(() => [SlaTarget], { description: 'Service-level targets.' })
  @Property({ type: 'json' })
  slaTargets: SlaTarget[] = [];

  @Field(() => CoverageHours, { nullable: true, description: 'Hours the service is staffed.' })
  @Enum({ items: () => CoverageHours, nullable: true })
  coverageHours: CoverageHours | null = null;

  @Field(() => [String], { description: 'Languages served, ISO 639-1 codes.' })
  @Property({ type: ArrayType })
  languages: string[] = [];

  @Field(() => [Certification], { description: 'Certifications that apply to this service.' })
  @Property({ type: ArrayType })
  certifications: Certification[] = [];

  @Field(() => Int, {
    description:
      'How many consecutive monthly reports must meet every SLA target before an engagement may advance a phase.',
  })
  @Property({ type: 'smallint' })
  gateReportCount = 2;

  @Field(() => Int, {
    description:
      'Months of notice a party gives to terminate an engagement without cause (0-12). Quotes copy it when issued.',
  })
  @Property({ type: 'smallint' })
  terminationNoticeMonths = 1;

  @Field(() => Pricing, { description: 'Pricing: unit price, tiers, setup fee, monthly minimum, currency.' })
  get pricing(): Pricing {
    return {
      currency: this.currency,
      unitPrice: this.unitPrice,
      setupFee: this.setupFee,
      monthlyMinimum: this.monthlyMinimum,
      tiers: this.priceTiers,
    };
  }

  constructor(init: { providerId: string; categoryCode: string; title: string; unitPrice: string }) {
    super();
    this.providerId = init.providerId;
    this.categoryCode = init.categoryCode;
    this.title = init.title;
    this.unitPrice = init.unitPrice;
  }
}
