import { ArrayMaxSize, IsOptional, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { DateTimeScalar, MonthScalar } from '../shared/scalars';
import { Engagement, EngagementStatus, TaskOwner } from './engagement.entity';
import { PerformanceReport } from './performance-report.entity';

@InputType({ description: 'Filters for `engagements`; all given filters must hold.' })
export class EngagementFilter {
  @Field(() => EngagementStatus, { nullable: true, description: 'Only this status.' })
  @IsOptional()
  status?: EngagementStatus;

  @Field(() => ID, { nullable: true, description: 'Only engagements of this provider.' })
  @IsOptional()
  providerId?: string;

  @Field(() => ID, { nullable: true, description: 'Only engagements of this buyer.' })
  @IsOptional()
  buyerId?: string;
}

@InputType({ description: 'Records the signed business associate agreement.' })
export class SignBaaInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was signed (default now; not in the future).' })
  @IsOptional()
  signedAt?: Date;
}

@InputType({ description: 'A task and its owner.' })
export class TaskBoundaryInput {
  @Field({ description: 'The task (1-100 characters), e.g. `denial appeals`.' })
  @Length(1, 100)
  task!: string;

  @Field(() => TaskOwner, { description: 'BUYER or PROVIDER.' })
  owner!: TaskOwner;
}

@InputType({ description: 'Replaces the task boundaries of an engagement; each task has exactly one owner.' })
export class SetTaskBoundariesInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => [TaskBoundaryInput], { description: 'Tasks (at most 50).' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  tasks!: TaskBoundaryInput[];

  @Field(() => String, { nullable: true, description: 'Escalation contact (role or desk; up to 200 characters).' })
  @IsOptional()
  @MaxLength(200)
  escalationContact?: string | null;
}

@InputType({ description: 'A delivered SLA metric value.' })
export class MetricValueInput {
  @Field({ description: 'Metric name, one of the offering’s SLA targets.' })
  @Length(1, 60)
  metric!: string;

  @Field(() => Float, { description: 'Delivered value.' })
  @Min(-1e9)
  @Max(1e9)
  value!: number;
}

@InputType({ description: 'The provider’s report for one month (re-recording a month replaces it).' })
export class RecordPerformanceInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => MonthScalar, { description: 'The month reported (within the engagement, not after the current month).' })
  month!: string;

  @Field(() => Int, { description: 'Units delivered.' })
  @Min(0)
  @Max(100_000_000)
  deliveredUnits!: number;

  @Field(() => [MetricValueInput], { description: 'A value for every SLA target of the offering.' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  metrics!: MetricValueInput[];

  @Field(() => String, { nullable: true, description: 'Retry key: the same key and input return the first result.' })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'The buyer’s approval to move the engagement to its next phase; refused until the gate holds.' })
export class AdvanceEngagementPhaseInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;
}

@InputType({ description: 'Ends an engagement at once; reservations from `effectiveMonth` on are released.' })
export class TerminateEngagementInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => MonthScalar, { description: 'First month without service (this month or later).' })
  effectiveMonth!: string;

  @Field({ description: 'Why (1-1000 characters).' })
  @Length(1, 1000)
  reason!: string;
}

export const EngagementConnection = Connection(Engagement);
export const PerformanceReportConnection = Connection(PerformanceReport);
export const SignBaaPayload = Payload('SignBaa', 'engagement', Engagement);
export const SetTaskBoundariesPayload = Payload('SetTaskBoundaries', 'engagement', Engagement);
export const RecordPerformancePayload = Payload('RecordPerformance', 'engagement', Engagement);
export const AdvanceEngagementPhasePayload = Payload('AdvanceEngagementPhase', 'engagement', Engagement);
export const TerminateEngagementPayload = Payload('TerminateEngagement', 'engagement', Engagement);
