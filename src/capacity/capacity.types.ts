import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Max, Min, ValidateNested } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, MonthScalar } from '../shared/scalars';
import { Offering } from '../catalog/offering.entity';
import { Organization } from '../organizations/organization.entity';
import { Payload } from '../shared/payload';

@ObjectType({ simpleResolvers: true, description: 'One phase of a provider’s selling policy.' })
export class Phase {
  @Field({ description: 'Phase name, e.g. `PILOT`.' })
  name!: string;

  @Field(() => Float, { description: 'Share of total capacity that may be sold externally (0 < share <= 1).' })
  maxExternalShare!: number;

  @Field(() => Int, { nullable: true, description: 'Active engagements allowed in this phase; null = unlimited.' })
  maxActiveEngagements!: number | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'A loosening of a provider’s phase policy asked for by the provider, waiting for the operator (approvePhasePolicyChange or rejectPhasePolicyChange).',
})
export class PendingPhasePolicyChange {
  @Field(() => [Phase], { description: 'The phases asked for, in order; they replace the current ones when approved.' })
  phases!: Phase[];

  @Field(() => DateTimeScalar, { description: 'When the provider asked for it.' })
  requestedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'How much of its capacity a provider sells, phase by phase.' })
export class PhasePolicy {
  @Field(() => PendingPhasePolicyChange, {
    nullable: true,
    description:
      'A loosening asked for by the provider and not yet approved or rejected by the operator; null when none.',
  })
  pendingChange!: PendingPhasePolicyChange | null;

  @Field(() => Phase, { description: 'The phase in force.' })
  currentPhase!: Phase;

  @Field(() => [Phase], { description: 'All phases, in order.' })
  phases!: Phase[];

  @Field(() => DateTimeScalar, { description: 'When the current phase was entered.' })
  enteredCurrentPhaseAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'Capacity of an offering in one month. The provider and the operator see every figure; other viewers see only `month` and `availableUnits`.',
})
export class CapacityMonth {
  @Field(() => MonthScalar, { description: 'The month, `YYYY-MM`.' })
  month!: string;

  @Field(() => Int, { nullable: true, description: 'Units the provider can deliver in total.' })
  totalUnits!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Units that may be sold externally: floor(total x share of the phase in force).',
  })
  sellableUnits!: number | null;

  @Field(() => Int, { nullable: true, description: 'Units held by open quotes (expired holds never count).' })
  heldUnits!: number | null;

  @Field(() => Int, { nullable: true, description: 'Units committed to engagements in their current phase.' })
  committedUnits!: number | null;

  @Field(() => Int, { nullable: true, description: 'Units kept for later phases of engagements.' })
  conditionalUnits!: number | null;

  @Field(() => Int, { nullable: true, description: 'held + committed + conditional.' })
  reservedUnits!: number | null;

  @Field(() => Int, { description: 'Units still available to sell: sellable - held - committed - conditional.' })
  availableUnits!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'reserved / sellable (0..1): how close the month is to the phase limit; null when nothing is sellable.',
  })
  utilization!: number | null;

  @Field(() => String, { nullable: true, description: 'Name of the provider’s phase in force.' })
  phase!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'An offering with its capacity months.' })
export class OfferingCapacity {
  @Field(() => Offering, { description: 'The offering.' })
  offering!: Offering;

  @Field(() => [CapacityMonth], { description: 'One entry per month of the requested range.' })
  months!: CapacityMonth[];
}

@InputType({ description: 'Total deliverable units of one month.' })
export class CapacityMonthInput {
  @Field(() => MonthScalar, { description: 'The month (not in the past, at most 60 months ahead).' })
  month!: string;

  @Field(() => Int, { description: 'Total units the provider can deliver that month (>= 0).' })
  @Min(0)
  @Max(100_000_000)
  totalUnits!: number;
}

@InputType({ description: 'Sets total capacity of an offering for some months.' })
export class SetCapacityInput {
  @Field(() => ID, { description: 'The offering.' })
  offeringId!: string;

  @Field(() => [CapacityMonthInput], { description: 'Months to set (1-61, each at most once).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(61)
  @ValidateNested({ each: true })
  months!: CapacityMonthInput[];
}

@InputType({ description: 'One phase of a policy.' })
export class PhaseInput {
  @Field({ description: 'Name: upper-case letters, digits, underscores.' })
  @Length(1, 40)
  name!: string;

  @Field(() => Float, {
    description: 'Share of capacity sellable externally (0 < share <= 1, non-decreasing along the phases).',
  })
  maxExternalShare!: number;

  @Field(() => Int, { nullable: true, description: 'Active engagements allowed; null = unlimited.' })
  @IsOptional()
  maxActiveEngagements?: number | null;
}

@InputType({ description: 'Replaces a provider’s phase policy.' })
export class SetPhasePolicyInput {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field(() => [PhaseInput], { description: 'Phases in order (1-10, unique names).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  phases!: PhaseInput[];
}

@InputType({ description: 'The operator approves a provider’s pending phase policy change.' })
export class ApprovePhasePolicyChangeInput {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;
}

@InputType({ description: 'The operator rejects a provider’s pending phase policy change.' })
export class RejectPhasePolicyChangeInput {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field({ description: 'Why (1-500 characters; kept in the audit trail and told to the provider).' })
  @Length(1, 500)
  reason!: string;
}

@InputType({ description: 'Moves a provider to its next phase.' })
export class AdvanceProviderPhaseInput {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Operator override of the phase gate, with the reason (kept in the audit trail).',
  })
  @IsOptional()
  @Length(3, 500)
  overrideReason?: string | null;
}

@InputType({
  description: 'Moves a provider back to its previous phase (always allowed when it fits the reservations).',
})
export class RetreatProviderPhaseInput {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field(() => String, { nullable: true, description: 'Why (kept in the audit trail).' })
  @IsOptional()
  @Length(0, 500)
  reason?: string | null;
}

export const SetCapacityPayload = Payload('SetCapacity', 'offering', Offering);
export const SetPhasePolicyPayload = Payload('SetPhasePolicy', 'organization', Organization);
export const AdvanceProviderPhasePayload = Payload('AdvanceProviderPhase', 'organization', Organization);
export const RetreatProviderPhasePayload = Payload('RetreatProviderPhase', 'organization', Organization);
export const ApprovePhasePolicyChangePayload = Payload('ApprovePhasePolicyChange', 'organization', Organization);
export const RejectPhasePolicyChangePayload = Payload('RejectPhasePolicyChange', 'organization', Organization);
