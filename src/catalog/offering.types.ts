import {
  ArrayMaxSize,
  ArrayMinSize,
  IsOptional,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { Certification } from '../organizations/organization.entity';
import { CoverageHours, Offering, OfferingStatus, SlaDirection } from './offering.entity';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { DecimalScalar } from '../shared/scalars';
import { MAX_FEE, MAX_UNIT_PRICE, MoneyAtMost } from '../shared/money';

@InputType({ description: 'Filters for `offerings`; all given filters must hold.' })
export class OfferingFilter {
  @Field({ nullable: true, description: 'Service category code, e.g. `REVENUE_CYCLE`.' })
  @IsOptional()
  @MaxLength(60)
  categoryCode?: string;

  @Field({ nullable: true, description: 'Only offerings supporting this EHR platform.' })
  @IsOptional()
  @MaxLength(40)
  ehrPlatformCode?: string;

  @Field({
    nullable: true,
    description:
      'Only offerings serving (part of) this region. An offering serving `HHS-5` or `NATIONWIDE` serves `US-OH`.',
  })
  @IsOptional()
  @MaxLength(20)
  regionCode?: string;

  @Field(() => ID, { nullable: true, description: 'Only offerings of this provider.' })
  @IsOptional()
  providerId?: string;

  @Field(() => OfferingStatus, {
    nullable: true,
    description: "Only this status (other organizations' offerings are visible only when PUBLISHED).",
  })
  @IsOptional()
  status?: OfferingStatus;
}

@InputType({ description: 'A volume tier.' })
export class PriceTierInput {
  @Field(() => Int, { description: 'Monthly units from which the tier applies (>= 1).' })
  @Min(1)
  @Max(100_000_000)
  fromUnits!: number;

  @Field(() => DecimalScalar, { description: `Unit price in the tier, at most ${MAX_UNIT_PRICE}.` })
  @MoneyAtMost(MAX_UNIT_PRICE, 'a unit price')
  unitPrice!: string;
}

@InputType({ description: 'Pricing of an offering.' })
export class PricingInput {
  @Field({ defaultValue: 'USD', description: 'ISO 4217 currency code.' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a 3-letter ISO 4217 code' })
  currency!: string;

  @Field(() => DecimalScalar, { description: `Base unit price, up to 4 decimal places, at most ${MAX_UNIT_PRICE}.` })
  @MoneyAtMost(MAX_UNIT_PRICE, 'a unit price')
  unitPrice!: string;

  @Field(() => DecimalScalar, {
    defaultValue: '0.00',
    description: `One-time setup fee, in cents precision, at most ${MAX_FEE}.`,
  })
  @MoneyAtMost(MAX_FEE, 'a fee')
  setupFee!: string;

  @Field(() => DecimalScalar, {
    defaultValue: '0.00',
    description: `Minimum billed per month, in cents precision, at most ${MAX_FEE}.`,
  })
  @MoneyAtMost(MAX_FEE, 'a fee')
  monthlyMinimum!: string;

  @Field(() => [PriceTierInput], { defaultValue: [], description: 'Volume tiers; `fromUnits` strictly ascending.' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  tiers!: PriceTierInput[];
}

@InputType({ description: 'A service-level target.' })
export class SlaTargetInput {
  @Field({ description: 'Metric name: lowercase letters, digits and underscores, e.g. `answered_within_20s_pct`.' })
  @Matches(/^[a-z][a-z0-9_]{0,59}$/, {
    message: 'metric must be lowercase letters, digits and underscores (at most 60)',
  })
  metric!: string;

  @Field(() => Float, { description: 'Target value.' })
  @Min(-1e9)
  @Max(1e9)
  target!: number;

  @Field({ description: 'Unit, e.g. `%`, `seconds`.' })
  @Length(1, 20)
  unit!: string;

  @Field(() => SlaDirection, { description: 'AT_LEAST or AT_MOST.' })
  direction!: SlaDirection;
}

@InputType({ description: 'A new offering (created as DRAFT).' })
export class CreateOfferingInput {
  @Field(() => ID, {
    nullable: true,
    description: 'The selling organization: taken from an ADMIN key (must match if given); required for the operator.',
  })
  @IsOptional()
  providerId?: string;

  @Field({ description: 'Service category code.' })
  @MaxLength(60)
  categoryCode!: string;

  @Field({ description: 'Short title (1-200 characters).' })
  @Length(1, 200)
  title!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Description (up to 4000 characters; not for patient information).',
  })
  @IsOptional()
  @MaxLength(4000)
  description?: string | null;

  @Field(() => [String], { description: 'Supported EHR platform codes (at least one).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @MaxLength(40, { each: true })
  ehrPlatformCodes!: string[];

  @Field(() => [String], { description: 'Served region codes: states, HHS regions or NATIONWIDE (at least one).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(70)
  @MaxLength(20, { each: true })
  regionCodes!: string[];

  @Field(() => PricingInput, { description: 'Pricing.' })
  @ValidateNested()
  pricing!: PricingInput;

  @Field(() => [SlaTargetInput], { defaultValue: [], description: 'Service-level targets.' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  slaTargets!: SlaTargetInput[];

  @Field(() => CoverageHours, { nullable: true, description: 'Hours the service is staffed.' })
  @IsOptional()
  coverageHours?: CoverageHours | null;

  @Field(() => [String], { defaultValue: [], description: 'Languages served, ISO 639-1 codes.' })
  @ArrayMaxSize(30)
  @MaxLength(2, { each: true })
  languages!: string[];

  @Field(() => [Certification], { defaultValue: [], description: 'Certifications that apply.' })
  @ArrayMaxSize(20)
  certifications!: Certification[];

  @Field(() => Int, {
    defaultValue: 2,
    description: 'Reports that must meet every SLA target before an engagement advances a phase (1-12).',
  })
  @Min(1)
  @Max(12)
  gateReportCount!: number;

  @Field(() => Int, {
    defaultValue: 1,
    description:
      'Months of notice a party gives to terminate without cause (0-12); fixed in each quote when it is issued.',
  })
  @Min(0)
  @Max(12)
  terminationNoticeMonths!: number;

  @Field(() => String, { nullable: true, description: 'Retry key: the same key and input return the first result.' })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to an offering; omitted fields stay as they are. The category cannot change.' })
export class UpdateOfferingInput {
  @Field(() => ID, { description: 'The offering to change.' })
  id!: string;

  @Field({ nullable: true, description: 'New title.' })
  @IsOptional()
  @Length(1, 200)
  title?: string;

  @Field(() => String, { nullable: true, description: 'New description.' })
  @IsOptional()
  @MaxLength(4000)
  description?: string | null;

  @Field(() => [String], { nullable: true, description: 'New EHR platform codes.' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @MaxLength(40, { each: true })
  ehrPlatformCodes?: string[];

  @Field(() => [String], { nullable: true, description: 'New region codes.' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(70)
  @MaxLength(20, { each: true })
  regionCodes?: string[];

  @Field(() => PricingInput, { nullable: true, description: 'New pricing (replaces the old one).' })
  @IsOptional()
  @ValidateNested()
  pricing?: PricingInput;

  @Field(() => [SlaTargetInput], { nullable: true, description: 'New SLA targets (replace the old ones).' })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  slaTargets?: SlaTargetInput[];

  @Field(() => CoverageHours, { nullable: true, description: 'New coverage hours.' })
  @IsOptional()
  coverageHours?: CoverageHours | null;

  @Field(() => [String], { nullable: true, description: 'New languages.' })
  @IsOptional()
  @ArrayMaxSize(30)
  @MaxLength(2, { each: true })
  languages?: string[];

  @Field(() => [Certification], { nullable: true, description: 'New certifications.' })
  @IsOptional()
  @ArrayMaxSize(20)
  certifications?: Certification[];

  @Field(() => Int, { nullable: true, description: 'New gate report count (1-12).' })
  @IsOptional()
  @Min(1)
  @Max(12)
  gateReportCount?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'New termination notice in months (0-12); applies to quotes issued afterwards.',
  })
  @IsOptional()
  @Min(0)
  @Max(12)
  terminationNoticeMonths?: number;
}

@InputType({
  description: 'Publishes a DRAFT or PAUSED offering: it becomes visible to every organization and is matched.',
})
export class PublishOfferingInput {
  @Field(() => ID, { description: 'The offering.' })
  id!: string;
}

@InputType({
  description: 'Pauses a PUBLISHED offering: it stops being matched; existing quotes and engagements continue.',
})
export class PauseOfferingInput {
  @Field(() => ID, { description: 'The offering.' })
  id!: string;
}

export const OfferingConnection = Connection(Offering);
export const CreateOfferingPayload = Payload('CreateOffering', 'offering', Offering);
export const UpdateOfferingPayload = Payload('UpdateOffering', 'offering', Offering);
export const PublishOfferingPayload = Payload('PublishOffering', 'offering', Offering);
export const PauseOfferingPayload = Payload('PauseOffering', 'offering', Offering);
