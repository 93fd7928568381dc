import { IsOptional, Length, Max, MaxLength, Min } from 'class-validator';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { DateTimeScalar } from '../shared/scalars';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { Quote, QuoteStatus } from './quote.entity';

@InputType({ description: 'Filters for `quotes`; all given filters must hold.' })
export class QuoteFilter {
  @Field(() => ID, { nullable: true, description: 'Only quotes on this need.' })
  @IsOptional()
  needId?: string;

  @Field(() => ID, { nullable: true, description: 'Only quotes for this offering.' })
  @IsOptional()
  offeringId?: string;

  @Field(() => QuoteStatus, { nullable: true, description: 'Only this status.' })
  @IsOptional()
  status?: QuoteStatus;
}

@InputType({ description: 'Terms of a quote: the ramp, validity and discount.' })
export class QuoteTermsInput {
  @Field(() => Int, { nullable: true, description: 'Pilot months at the start (default 0).' })
  @IsOptional()
  @Min(0)
  @Max(60)
  pilotMonths?: number;

  @Field(() => Int, { nullable: true, description: 'Units per pilot month.' })
  @IsOptional()
  @Min(0)
  @Max(100_000_000)
  pilotUnits?: number;

  @Field(() => Int, { nullable: true, description: 'Expansion months after the pilot (default 0).' })
  @IsOptional()
  @Min(0)
  @Max(60)
  expansionMonths?: number;

  @Field(() => Int, { nullable: true, description: 'Units per expansion month.' })
  @IsOptional()
  @Min(0)
  @Max(100_000_000)
  expansionUnits?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Days the quote stays valid (1-90; default 14). Ignored when validUntil is given.',
  })
  @IsOptional()
  @Min(1)
  @Max(90)
  validDays?: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Exact expiry (in the future, at most 90 days ahead).' })
  @IsOptional()
  validUntil?: Date;

  @Field(() => Float, { nullable: true, description: 'Discount on unit prices, percent (0-100).' })
  @IsOptional()
  @Min(0)
  @Max(100)
  discountPercent?: number;

  @Field(() => String, { nullable: true, description: 'Retry key: the same key and input return the first result.' })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Prices an open need with one of your offerings and holds its capacity.' })
export class IssueQuoteInput extends QuoteTermsInput {
  @Field(() => ID, { description: 'The need.' })
  needId!: string;

  @Field(() => ID, { description: 'Your offering (same category as the need).' })
  offeringId!: string;
}

@InputType({
  description:
    'Issues version n+1 of an ISSUED quote; omitted terms keep their values. Holds move in the same transaction.',
})
export class ReviseQuoteInput extends QuoteTermsInput {
  @Field(() => ID, { description: 'The quote to revise.' })
  quoteId!: string;
}

@InputType({ description: 'Withdraws an ISSUED quote (provider); its holds are released.' })
export class WithdrawQuoteInput {
  @Field(() => ID, { description: 'The quote.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Why (up to 1000 characters); the quote’s `closedReason`, read by both parties.',
  })
  @IsOptional()
  @MaxLength(1000)
  reason?: string | null;
}

@InputType({ description: 'Declines an ISSUED quote (buyer); its holds are released.' })
export class DeclineQuoteInput {
  @Field(() => ID, { description: 'The quote.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Why, for the provider (up to 1000 characters).' })
  @IsOptional()
  @MaxLength(1000)
  reason?: string | null;
}

export const QuoteConnection = Connection(Quote);
export const IssueQuotePayload = Payload('IssueQuote', 'quote', Quote);
export const ReviseQuotePayload = Payload('ReviseQuote', 'quote', Quote);
export const WithdrawQuotePayload = Payload('WithdrawQuote', 'quote', Quote);
export const DeclineQuotePayload = Payload('DeclineQuote', 'quote', Quote);
