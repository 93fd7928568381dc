import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { MonthScalar } from '../shared/scalars';
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

/** A provider's monthly report on an engagement: volume delivered and SLA metrics. */
@ObjectType({ simpleResolvers: true, description: 'A monthly performance report: delivered units, SLA metrics and attainment.' })
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

  @Field(() => MonthScalar, { description: 'The month reported.' })
  get month(): string {
    return String(this.monthDate).slice(0, 7);
  }
}
