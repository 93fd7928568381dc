import { ArrayMaxSize, IsOptional, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { UserError } from '../shared/errors';
import { Quote } from '../quotes/quote.entity';
import { DateTimeScalar, MonthScalar } from '../shared/scalars';
import { Engagement, TaskOwner } from './engagement.entity';
import { EngagementStatus } from '../capacity/engagement-phase';
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

@InputType({
  description:
    'Records one party’s signature of the business associate agreement; it is in force once both parties have signed.',
})
export class SignBaaInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When your side signed (default now; not in the future, not before the engagement was agreed).',
  })
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

@InputType({
  description:
    'Proposes task boundaries (each task has exactly one owner); they replace the current ones when the other party confirms.',
})
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

  @Field(() => Float, {
    description:
      'Delivered value: never negative; a percentage (target unit `%` or `percent`, or a name ending in `_pct`) lies in 0..100.',
  })
  @Min(-1e9)
  @Max(1e9)
  value!: number;
}

@InputType({
  description:
    'The provider’s report for one month (re-recording a month adds a version that replaces it for the gate; earlier versions stay readable).',
})
export class RecordPerformanceInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => MonthScalar, { description: 'The month reported (within the engagement, not after the current month).' })
  month!: string;

  @Field(() => Int, { description: 'Units delivered (0 up to the units scheduled for the month).' })
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

@InputType({
  description: 'The buyer’s approval to move the engagement to its next phase; refused until the gate holds.',
})
export class AdvanceEngagementPhaseInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;
}

@InputType({
  description: 'Ends an engagement with the agreed notice; reservations from `effectiveMonth` on are released.',
})
export class TerminateEngagementInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => MonthScalar, {
    description:
      'First month without service: at least the current month plus the agreed `terminationNoticeMonths`, sooner only for cause.',
  })
  effectiveMonth!: string;

  @Field({ description: 'Why (1-1000 characters).' })
  @Length(1, 1000)
  reason!: string;

  @Field({
    defaultValue: false,
    description:
      'Ends sooner than the notice: allowed to the buyer side when the provider’s latest report in the phase missed a target, and to the operator always.',
  })
  forCause?: boolean;
}

@InputType({ description: 'The other party agrees to the proposed task boundaries; they take effect.' })
export class ConfirmTaskBoundariesInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'The `proposedAt` of the proposal you read (taskBoundaryProposal.proposedAt). When given, a proposal replaced since is refused (INVALID_TRANSITION) instead of confirmed unseen.',
  })
  proposedAt?: Date | null;
}

@InputType({
  description: 'The buyer side disputes a monthly report; it does not count for the phase gate until resolved.',
})
export class DisputePerformanceReportInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => MonthScalar, { description: 'The month of the report.' })
  month!: string;

  @Field({ description: 'Why (1-1000 characters; not for patient information).' })
  @Length(1, 1000)
  reason!: string;
}

@InputType({ description: 'The buyer side resolves its dispute of a monthly report; it counts for the gate again.' })
export class ResolvePerformanceDisputeInput {
  @Field(() => ID, { description: 'The engagement.' })
  engagementId!: string;

  @Field(() => MonthScalar, { description: 'The month of the report.' })
  month!: string;

  @Field(() => String, { nullable: true, description: 'How it was resolved (up to 1000 characters).' })
  @IsOptional()
  @MaxLength(1000)
  resolution?: string | null;
}

export const EngagementConnection = Connection(Engagement);
export const PerformanceReportConnection = Connection(PerformanceReport);
export const SignBaaPayload = Payload('SignBaa', 'engagement', Engagement);
export const SetTaskBoundariesPayload = Payload('SetTaskBoundaries', 'engagement', Engagement);
export const RecordPerformancePayload = Payload('RecordPerformance', 'engagement', Engagement);
export const AdvanceEngagementPhasePayload = Payload('AdvanceEngagementPhase', 'engagement', Engagement);
export const TerminateEngagementPayload = Payload('TerminateEngagement', 'engagement', Engagement);
export const ConfirmTaskBoundariesPayload = Payload('ConfirmTaskBoundaries', 'engagement', Engagement);
export const DisputePerformanceReportPayload = Payload('DisputePerformanceReport', 'engagement', Engagement);
export const ResolvePerformanceDisputePayload = Payload('ResolvePerformanceDispute', 'engagement', Engagement);

@InputType({ description: 'Accepts an ISSUED, unexpired quote (buyer side): creates the engagement.' })
export class AcceptQuoteInput {
  @Field(() => ID, { description: 'The quote.' })
  quoteId!: string;

  @Field(() => String, { nullable: true, description: 'Retry key: the same key and input return the first result.' })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Result of `acceptQuote`.' })
export class AcceptQuotePayload {
  @Field(() => Engagement, { nullable: true, description: 'The new engagement.' })
  engagement!: Engagement | null;

  @Field(() => Quote, { nullable: true, description: 'The accepted quote.' })
  quote!: Quote | null;

  @Field(() => [UserError], { description: 'Business-rule failures; empty on success.' })
  userErrors!: UserError[];
}
