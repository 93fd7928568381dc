import { ArrayMaxSize, IsOptional, Length, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { Certification } from '../organizations/organization.entity';
import { CoverageHours } from '../catalog/offering.entity';
import { DecimalScalar, MonthScalar } from '../shared/scalars';
import { MAX_UNIT_PRICE, MoneyAtMost } from '../shared/money';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { Need, NeedStatus } from './need.entity';

@InputType({ description: 'Filters for `needs`; all given filters must hold.' })
export class NeedFilter {
  @Field(() => NeedStatus, {
    nullable: true,
    description: 'Only this status (other organizations see OPEN needs only).',
  })
  @IsOptional()
  status?: NeedStatus;

  @Field({ nullable: true, description: 'Service category code.' })
  @IsOptional()
  @MaxLength(60)
  categoryCode?: string;

  @Field(() => ID, { nullable: true, description: 'Only needs of this buyer.' })
  @IsOptional()
  buyerId?: string;

  @Field({ nullable: true, description: 'Only needs located in this region (a state, or any state of an HHS region).' })
  @IsOptional()
  @MaxLength(20)
  regionCode?: string;
}

@InputType({ description: 'The fields of a need that describe the service wanted.' })
export class NeedFieldsInput {
  @Field({ description: 'Service category code.' })
  @MaxLength(60)
  categoryCode!: string;

  @Field(() => Int, { description: 'Units per month (> 0).' })
  @Min(1)
  @Max(100_000_000)
  monthlyVolume!: number;

  @Field(() => MonthScalar, { description: 'First month of service (this month or later).' })
  startMonth!: string;

  @Field(() => Int, { description: 'Duration in months, 1-60.' })
  @Min(1)
  @Max(60)
  durationMonths!: number;

  @Field({ description: 'EHR platform the buyer runs.' })
  @MaxLength(40)
  ehrPlatformCode!: string;

  @Field({ description: 'Where the service is needed: a state such as `US-OH`.' })
  @MaxLength(20)
  regionCode!: string;

  @Field(() => [Certification], { defaultValue: [], description: 'Certifications the provider must hold.' })
  @ArrayMaxSize(20)
  requiredCertifications!: Certification[];

  @Field(() => CoverageHours, { nullable: true, description: 'Coverage hours required.' })
  @IsOptional()
  coverageHours?: CoverageHours | null;

  @Field(() => [String], { defaultValue: [], description: 'Languages required, ISO 639-1.' })
  @ArrayMaxSize(20)
  @MaxLength(2, { each: true })
  languages!: string[];

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `Highest acceptable unit price, at most ${MAX_UNIT_PRICE} (private to the buyer side).`,
  })
  @IsOptional()
  @MoneyAtMost(MAX_UNIT_PRICE, 'a unit price')
  maxUnitPrice?: string | null;
}

@InputType({ description: 'A new need, posted by a buyer.' })
export class CreateNeedInput extends NeedFieldsInput {
  @Field(() => ID, {
    nullable: true,
    description:
      'The buyer: taken from an ADMIN key; a member hospital (or the network) for INTEGRATION keys; required for the operator.',
  })
  @IsOptional()
  buyerId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Notes for the buyer side only (up to 2000 characters; no patient information).',
  })
  @IsOptional()
  @MaxLength(2000)
  notes?: string | null;

  @Field(() => String, { nullable: true, description: 'Retry key: the same key and input return the first result.' })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to an OPEN need; omitted fields stay as they are.' })
export class UpdateNeedInput {
  @Field(() => ID, { description: 'The need.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'Units per month.' })
  @IsOptional()
  @Min(1)
  @Max(100_000_000)
  monthlyVolume?: number;

  @Field(() => MonthScalar, { nullable: true, description: 'First month of service.' })
  @IsOptional()
  startMonth?: string;

  @Field(() => Int, { nullable: true, description: 'Duration in months, 1-60.' })
  @IsOptional()
  @Min(1)
  @Max(60)
  durationMonths?: number;

  @Field({ nullable: true, description: 'EHR platform.' })
  @IsOptional()
  @MaxLength(40)
  ehrPlatformCode?: string;

  @Field({ nullable: true, description: 'Region (state).' })
  @IsOptional()
  @MaxLength(20)
  regionCode?: string;

  @Field(() => [Certification], { nullable: true, description: 'Required certifications.' })
  @IsOptional()
  @ArrayMaxSize(20)
  requiredCertifications?: Certification[];

  @Field(() => CoverageHours, { nullable: true, description: 'Coverage hours.' })
  @IsOptional()
  coverageHours?: CoverageHours | null;

  @Field(() => [String], { nullable: true, description: 'Languages.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(2, { each: true })
  languages?: string[];

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `Highest acceptable unit price, at most ${MAX_UNIT_PRICE}.`,
  })
  @IsOptional()
  @MoneyAtMost(MAX_UNIT_PRICE, 'a unit price')
  maxUnitPrice?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes.' })
  @IsOptional()
  @MaxLength(2000)
  notes?: string | null;
}

@InputType({ description: 'Cancels an OPEN need; its live quotes expire and release their holds.' })
export class CancelNeedInput {
  @Field(() => ID, { description: 'The need.' })
  id!: string;
}

export const NeedConnection = Connection(Need);
export const CreateNeedPayload = Payload('CreateNeed', 'need', Need);
export const UpdateNeedPayload = Payload('UpdateNeed', 'need', Need);
export const CancelNeedPayload = Payload('CancelNeed', 'need', Need);
