import { ArrayMaxSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Certification } from '../organizations/organization.entity';
import { CoverageHours } from '../catalog/offering.entity';
import { DecimalScalar, MonthScalar } from '../shared/scalars';
import { MAX_UNIT_PRICE, MoneyAtMost } from '../shared/money';
import { WEIGHTS } from './scoring';

export enum MatchFactor {
  EHR_FIT = 'EHR_FIT',
  PROXIMITY = 'PROXIMITY',
  PRICE = 'PRICE',
  SLA = 'SLA',
  CAPACITY_HEADROOM = 'CAPACITY_HEADROOM',
  EXISTING_RELATIONSHIP = 'EXISTING_RELATIONSHIP',
}
registerEnumType(MatchFactor, {
  name: 'MatchFactor',
  description: `Ranking factors and their weights (points out of 100): ${Object.entries(WEIGHTS)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.`,
  valuesConfig: {
    EHR_FIT: {
      description: 'Same EHR platform and product (1.0) > provider runs the platform (0.8) > supports it (0.5).',
    },
    PROXIMITY: { description: 'Provider based in the same state (1.0) > same HHS region (0.6) > elsewhere (0.3).' },
    PRICE: {
      description: 'Unit price against the buyer’s maximum (or against the cheapest candidate when no maximum).',
    },
    SLA: { description: 'SLA targets offered and share of targets met in delivered reports.' },
    CAPACITY_HEADROOM: {
      description:
        'Share of the available units this need leaves free in the tightest month: prefers providers far from their limit.',
    },
    EXISTING_RELATIONSHIP: {
      description: 'An active engagement between provider and buyer (consolidation over fragmentation).',
    },
  },
});

@ObjectType({ simpleResolvers: true, description: 'One factor of a match score.' })
export class ScoreFactor {
  @Field(() => MatchFactor, { description: 'The factor.' })
  factor!: MatchFactor;

  @Field(() => Float, { description: 'Weight in points (the weights add up to 100).' })
  weight!: number;

  @Field(() => Float, { description: 'Value 0..1; the factor contributes weight x value to the score.' })
  value!: number;

  @Field({ description: 'Why, in one line.' })
  reason!: string;
}

@ObjectType({ simpleResolvers: true, description: 'Units available in one month.' })
export class MonthAvailability {
  @Field(() => MonthScalar, { description: 'The month.' })
  month!: string;

  @Field(() => Int, { description: 'Units still available to sell.' })
  availableUnits!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A ranked, explained candidate offering.' })
export class Match {
  offeringId!: string;
  providerId!: string;

  @Field(() => Float, { description: 'Score 0..100: the sum of weight x value over the breakdown.' })
  score!: number;

  @Field({ description: 'Whether every requested month has enough available units.' })
  fullyAvailable!: boolean;

  @Field(() => Int, { description: 'Fewest units available in any requested month.' })
  minAvailableUnits!: number;

  @Field(() => [MonthAvailability], { description: 'Availability per requested month.' })
  availability!: MonthAvailability[];

  @Field(() => [MonthScalar], { description: 'Months without enough available units (empty when fully available).' })
  shortMonths!: string[];

  @Field(() => DecimalScalar, {
    description: 'Monthly volume x unit price at that volume (tiers), at least the monthly minimum.',
  })
  estimatedMonthlyCost!: string;

  @Field({ description: 'Currency of the estimate.' })
  currency!: string;

  @Field(() => [ScoreFactor], { description: 'Each factor with weight, value and reason.' })
  breakdown!: ScoreFactor[];

  @Field(() => [String], { description: 'What to look at before quoting or accepting (short months, over budget...).' })
  warnings!: string[];
}

@InputType({ description: 'An ad-hoc search: the same ranking as `matches`, nothing stored.' })
export class MatchInput {
  @Field({ description: 'Service category code.' })
  @MaxLength(60)
  categoryCode!: string;

  @Field(() => Int, { description: 'Units per month.' })
  @Min(1)
  @Max(100_000_000)
  monthlyVolume!: number;

  @Field(() => MonthScalar, { description: 'First month.' })
  startMonth!: string;

  @Field(() => Int, { description: 'Months, 1-60.' })
  @Min(1)
  @Max(60)
  durationMonths!: number;

  @Field({ description: 'EHR platform of the buyer.' })
  @MaxLength(40)
  ehrPlatformCode!: string;

  @Field({ description: 'Where the service is needed, e.g. `US-OH`.' })
  @MaxLength(20)
  regionCode!: string;

  @Field(() => [Certification], { defaultValue: [], description: 'Certifications required.' })
  @ArrayMaxSize(20)
  requiredCertifications!: Certification[];

  @Field(() => CoverageHours, { nullable: true, description: 'Coverage hours required.' })
  @IsOptional()
  coverageHours?: CoverageHours | null;

  @Field(() => [String], { defaultValue: [], description: 'Languages required.' })
  @ArrayMaxSize(20)
  languages!: string[];

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `Highest acceptable unit price, at most ${MAX_UNIT_PRICE}.`,
  })
  @IsOptional()
  @MoneyAtMost(MAX_UNIT_PRICE, 'a unit price')
  maxUnitPrice?: string | null;

  @Field(() => ID, { nullable: true, description: 'The buyer, for EHR product fit and existing engagements.' })
  @IsOptional()
  buyerId?: string | null;

  @Field({
    defaultValue: false,
    description: 'Also return offerings short in some months, flagged with fullyAvailable: false.',
  })
  includePartial!: boolean;
}
