import { ArrayType, Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { MonthScalar } from '../shared/scalars';
import { Certification, Organization } from '../organizations/organization.entity';
import { CoverageHours } from '../catalog/offering.entity';

export enum NeedStatus {
  OPEN = 'OPEN',
  AWARDED = 'AWARDED',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(NeedStatus, {
  name: 'NeedStatus',
  description:
    'OPEN needs are visible to every organization; AWARDED once a quote is accepted; CANCELLED by the buyer; CLOSED when the engagement ends.',
});

/** A buyer's request for service. Month columns are DATE (first of month) exposed as `YYYY-MM`. */
@ObjectType({
  simpleResolvers: true,
  description:
    "A buyer's request for service. `maxUnitPrice` and `notes` are visible only to the buyer side and the operator.",
})
@Entity({ tableName: 'need' })
export class Need extends BaseEntity {
  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'buyer_id' })
  buyerId: string;

  @Property({ type: 'text' })
  categoryCode: string;

  @Field(() => Int, { description: 'Units needed per month.' })
  @Property({ type: 'integer' })
  monthlyVolume: number;

  /** First day of the start month. */
  @Property({ type: 'date', fieldName: 'start_month' })
  startDate: string;

  @Field(() => Int, { description: 'Number of months, 1-60.' })
  @Property({ type: 'smallint' })
  durationMonths: number;

  @Property({ type: 'text' })
  ehrPlatformCode: string;

  @Property({ type: 'text' })
  regionCode: string;

  @Field(() => [Certification], { description: 'Certifications the provider must hold for this service.' })
  @Property({ type: ArrayType })
  requiredCertifications: Certification[] = [];

  @Field(() => CoverageHours, {
    nullable: true,
    description: 'Coverage hours required (a higher level also qualifies).',
  })
  @Enum({ items: () => CoverageHours, nullable: true })
  coverageHours: CoverageHours | null = null;

  @Field(() => [String], { description: 'Languages required, ISO 639-1 codes.' })
  @Property({ type: ArrayType })
  languages: string[] = [];

  @Property({ type: 'decimal', precision: 14, scale: 4, nullable: true })
  maxUnitPrice: string | null = null;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Field(() => NeedStatus, { description: 'OPEN, AWARDED, CLOSED or CANCELLED.' })
  @Enum({ items: () => NeedStatus })
  status: NeedStatus = NeedStatus.OPEN;

  @Field(() => MonthScalar, { description: 'First month of service.' })
  get startMonth(): string {
    return String(this.startDate).slice(0, 7);
  }

  constructor(init: {
    buyerId: string;
    categoryCode: string;
    monthlyVolume: number;
    startMonth: string;
    durationMonths: number;
    ehrPlatformCode: string;
    regionCode: string;
  }) {
    super();
    this.buyerId = init.buyerId;
    this.categoryCode = init.categoryCode;
    this.monthlyVolume = init.monthlyVolume;
    this.startDate = `${init.startMonth}-01`;
    this.durationMonths = init.durationMonths;
    this.ehrPlatformCode = init.ehrPlatformCode;
    this.regionCode = init.regionCode;
  }
}
