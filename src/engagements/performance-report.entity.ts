import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DateTimeScalar, MonthScalar } from '../shared/scalars';
import { SlaDirection } from '../catalog/offering.entity';
import { EngagementPhase } from '../capacity/engagement-phase';
import { Engagement } from './engagement.entity';

@ObjectType({ simpleResolvers: true, description: 'One SLA metric of a report, against its target.' })
export class MetricResult {
  @Field({ description: 'Metric name.' })
  metric!: string;

  @Field(() => Float, { description: 'Delivered value.' })
  value!: number;

  @Field(() => Float, { description: 'Target of the offering.' })
  target!: number;

  @Field(() => SlaDirection, { description: 'AT_LEAST or AT_MOST.' })
  direction!: SlaDirection;

  @Field({ description: 'Whether the value meets the target.' })
  met!: boolean;
}

@ObjectType({
  simpleResolvers: true,
  description: 'An earlier version of a monthly report, replaced by a later recording of the same month.',
})
export class PerformanceReportVersion {
  @Field(() => Int, { description: 'Version number (1 = first recording).' })
  version!: number;

  @Field(() => Int, { description: 'Units delivered, as reported in this version.' })
  deliveredUnits!: number;

  @Field(() => [MetricResult], { description: 'Metrics as reported in this version.' })
  metrics!: MetricResult[];

  @Field(() => Float, { description: 'Share of SLA targets met (0..1) in this version.' })
  attainment!: number;

  @Field({ description: 'Whether every SLA target was met in this version.' })
  allTargetsMet!: boolean;

  @Field(() => DateTimeScalar, { description: 'When this version was recorded.' })
  recordedAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'A challenge of a monthly report by the buyer side. While open, the report does not count for the phase gate.',
})
export class PerformanceDispute {
  @Field({ description: 'Why the buyer side disputes the report (not for patient information).' })
  reason!: string;

  @Field(() => DateTimeScalar, { description: 'When the dispute was opened.' })
  openedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the buyer side resolved it; null while open.' })
  resolvedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'How it was resolved, when the buyer side said.' })
  resolution!: string | null;
}

/** A provider's monthly report on an engagement: volume delivered and SLA metrics. */
@ObjectType({
  simpleResolvers: true,
  description: 'A monthly performance report: delivered units, SLA metrics and attainment.',
})
@Entity({ tableName: 'performance_report' })
export class PerformanceReport extends BaseEntity {
  @ManyToOne(() => Engagement, { mapToPk: true, fieldName: 'engagement_id' })
  engagementId!: string;

  @Property({ type: 'date', fieldName: 'month' })
  monthDate!: string;

  @Field(() => EngagementPhase, { description: 'Engagement phase the report counts for.' })
  @Enum({ items: () => EngagementPhase })
  phase!: EngagementPhase;

  @Field(() => Int, { description: 'Units delivered in the month.' })
  @Property({ type: 'integer' })
  deliveredUnits!: number;

  @Field(() => [MetricResult], { description: 'Each SLA metric against its target.' })
  @Property({ type: 'json' })
  metrics!: MetricResult[];

  @Field(() => Float, { description: 'Share of SLA targets met (0..1).' })
  @Property({ type: 'decimal', precision: 5, scale: 4 })
  attainment!: string;

  @Field({ description: 'Whether every SLA target was met.' })
  @Property({ type: 'boolean' })
  allTargetsMet!: boolean;

  @Field(() => Int, {
    description:
      'Version of the month’s report: 1 for the first recording, n+1 for each re-recording (which replaces it for the gate).',
  })
  @Property({ type: 'integer' })
  version = 1;

  @Field(() => [PerformanceReportVersion], { description: 'Earlier versions of this month’s report, oldest first.' })
  @Property({ type: 'json' })
  earlierVersions: PerformanceReportVersion[] = [];

  @Field({
    description: 'Whether the buyer side disputes this report; a disputed report blocks the phase gate until resolved.',
  })
  @Property({ type: 'boolean' })
  disputed: boolean = false;

  @Field(() => PerformanceDispute, {
    nullable: true,
    description: 'The latest dispute of this month’s report, open or resolved.',
  })
  @Property({ type: 'json', nullable: true })
  dispute: PerformanceDispute | null = null;

  @Field(() => MonthScalar, { description: 'The month reported.' })
  get month(): string {
    return String(this.monthDate).slice(0, 7);
  }
}
