// GraphQL shapes of the business views: a provider's pipeline, booked revenue, utilization and servable
// demand; a buyer's engagement scorecards and vendor portfolio. Every figure is computed from the same
// rows the detailed queries return (quotes, engagements, reports, capacity months, matches).
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar, MonthScalar } from '../shared/scalars';
import { SlaDirection } from '../catalog/offering.entity';

@ObjectType({ simpleResolvers: true, description: 'An amount of money in one currency.' })
export class CurrencyAmount {
  @Field({ description: 'ISO 4217 currency.' })
  currency!: string;

  @Field(() => DecimalScalar, { description: 'The amount, to the cent.' })
  amount!: string;
}

// ---- Pipeline -----------------------------------------------------------------------------------

export enum PipelineOutcome {
  WON = 'WON',
  LOST = 'LOST',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(PipelineOutcome, {
  name: 'PipelineOutcome',
  description: 'How a closed quote ended (revised versions count once, as their latest version).',
  valuesConfig: {
    WON: { description: 'Accepted: it became an engagement.' },
    LOST: { description: 'The buyer accepted another provider’s quote on the need (NOT_AWARDED).' },
    DECLINED: { description: 'The buyer declined it.' },
    EXPIRED: { description: 'It lapsed unanswered, or its need closed without an award.' },
    WITHDRAWN: { description: 'The provider withdrew it.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'An open quote in the pipeline.' })
export class PipelineQuote {
  @Field(() => ID, { description: 'The quote’s id (`quote` resolves it).' })
  quoteId!: string;

  @Field(() => ID, { description: 'The need quoted.' })
  needId!: string;

  @Field(() => DecimalScalar, { description: 'The quote’s total.' })
  total!: string;

  @Field({ description: 'Currency of the total.' })
  currency!: string;

  @Field(() => DateTimeScalar, { description: 'When it lapses unless accepted.' })
  expiresAt!: Date;

  @Field(() => Float, { description: 'Days until it lapses (fractional).' })
  daysToExpiry!: number;

  @Field({ description: 'Whether it lapses within 7 days.' })
  expiringSoon!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'Open quotes grouped by how soon they lapse.' })
export class ExpiryBucket {
  @Field({ description: 'The bucket, e.g. `0-7 days`.' })
  label!: string;

  @Field(() => Int, { description: 'Lapsing within this many days (and after the previous bucket’s).' })
  withinDays!: number;

  @Field(() => Int, { description: 'Open quotes in the bucket.' })
  count!: number;

  @Field(() => [CurrencyAmount], { description: 'Their value, per currency.' })
  totals!: CurrencyAmount[];
}

@ObjectType({ simpleResolvers: true, description: 'A reason given for closing quotes, and how often.' })
export class ReasonCount {
  @Field({ description: 'The reason as given (`closedReason`).' })
  reason!: string;

  @Field(() => Int, { description: 'Quotes closed with it.' })
  count!: number;
}

@ObjectType({ simpleResolvers: true, description: 'Closed quotes of one outcome over the period.' })
export class PipelineOutcomeSummary {
  @Field(() => PipelineOutcome, { description: 'The outcome.' })
  outcome!: PipelineOutcome;

  @Field(() => Int, { description: 'Quotes that ended so in the period.' })
  count!: number;

  @Field(() => [CurrencyAmount], { description: 'Their value, per currency.' })
  totals!: CurrencyAmount[];

  @Field(() => [ReasonCount], {
    description: 'Reasons given, most frequent first (quotes without a reason are not listed).',
  })
  reasons!: ReasonCount[];
}

@ObjectType({
  simpleResolvers: true,
  description: 'A provider’s open quotes and how its closed quotes ended over a period.',
})
export class Pipeline {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field(() => MonthScalar, { description: 'First month of the period (quotes closed in it count).' })
  from!: string;

  @Field(() => MonthScalar, { description: 'Last month of the period.' })
  to!: string;

  @Field(() => [PipelineQuote], { description: 'Open quotes (issued, not lapsed), soonest to lapse first.' })
  open!: PipelineQuote[];

  @Field(() => [CurrencyAmount], { description: 'Value of the open quotes, per currency.' })
  openTotals!: CurrencyAmount[];

  @Field(() => Int, { description: 'Open quotes lapsing within 7 days.' })
  expiringSoonCount!: number;

  @Field(() => [ExpiryBucket], {
    description: 'Open quotes by time to expiry: 0-7, 8-14, 15-30, 31-60 and 61-90 days.',
  })
  byExpiry!: ExpiryBucket[];

  @Field(() => [PipelineOutcomeSummary], {
    description: 'Closed quotes per outcome (WON, LOST, DECLINED, EXPIRED, WITHDRAWN; all five, zeros included).',
  })
  outcomes!: PipelineOutcomeSummary[];

  @Field(() => Float, {
    nullable: true,
    description:
      'WON / (WON + LOST + DECLINED + EXPIRED) over the period, by count; null when none closed. Withdrawn quotes do not count.',
  })
  winRate!: number | null;
}

// ---- Booked revenue -----------------------------------------------------------------------------

@ObjectType({ simpleResolvers: true, description: 'Booked revenue of one month.' })
export class RevenueMonth {
  @Field(() => MonthScalar, { description: 'The month.' })
  month!: string;

  @Field(() => DecimalScalar, { description: 'Scheduled amounts of phases the engagements have reached.' })
  committedAmount!: string;

  @Field(() => DecimalScalar, { description: 'Scheduled amounts of later phases not yet reached.' })
  conditionalAmount!: string;

  @Field(() => DecimalScalar, {
    description:
      'Delivered units (from the month’s report, its current version) x the schedule’s unit price, to the cent; 0 where no report exists.',
  })
  deliveredAmount!: string;

  @Field(() => Int, { description: 'Scheduled units of reached phases.' })
  committedUnits!: number;

  @Field(() => Int, { description: 'Scheduled units of later phases.' })
  conditionalUnits!: number;

  @Field(() => Int, { description: 'Delivered units reported.' })
  deliveredUnits!: number;

  @Field(() => Int, { description: 'Engagements with a schedule line in the month.' })
  engagements!: number;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'A provider’s booked revenue per month in one currency, from its engagements’ agreed schedules and prices.',
})
export class BookedRevenue {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field({ description: 'Currency of every amount.' })
  currency!: string;

  @Field(() => [RevenueMonth], { description: 'Every month of the range, in order.' })
  months!: RevenueMonth[];

  @Field(() => DecimalScalar, { description: 'Sum of committedAmount.' })
  committedTotal!: string;

  @Field(() => DecimalScalar, { description: 'Sum of conditionalAmount.' })
  conditionalTotal!: string;

  @Field(() => DecimalScalar, { description: 'Sum of deliveredAmount.' })
  deliveredTotal!: string;
}

// ---- Utilization --------------------------------------------------------------------------------

@ObjectType({ simpleResolvers: true, description: 'Capacity sold against sellable and total in one month.' })
export class UtilizationMonth {
  @Field(() => MonthScalar, { description: 'The month.' })
  month!: string;

  @Field(() => Int, { description: 'Units the provider can deliver in total.' })
  totalUnits!: number;

  @Field(() => Int, { description: 'Units its phase lets it sell.' })
  sellableUnits!: number;

  @Field(() => Int, { description: 'Held by open quotes (lapsed holds never count).' })
  heldUnits!: number;

  @Field(() => Int, { description: 'Committed to engagements’ current phases.' })
  committedUnits!: number;

  @Field(() => Int, { description: 'Kept for engagements’ later phases.' })
  conditionalUnits!: number;

  @Field(() => Int, { description: 'committed + conditional + held.' })
  soldUnits!: number;

  @Field(() => Int, { description: 'sellable - sold: still available to sell.' })
  availableUnits!: number;

  @Field(() => Float, { nullable: true, description: 'sold / sellable (0..1); null when nothing is sellable.' })
  utilization!: number | null;

  @Field(() => Float, { nullable: true, description: 'sold / total (0..1); null when there is no capacity.' })
  shareOfTotal!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'One offering’s utilization over the range.' })
export class OfferingUtilization {
  @Field(() => ID, { description: 'The offering (`offering` resolves it).' })
  offeringId!: string;

  @Field({ description: 'Its title.' })
  title!: string;

  @Field({ description: 'Its service category code.' })
  categoryCode!: string;

  @Field(() => [UtilizationMonth], { description: 'Every month of the range.' })
  months!: UtilizationMonth[];

  @Field(() => MonthScalar, {
    nullable: true,
    description:
      'The month with the highest utilization (earliest on ties); null when nothing is sellable in the range.',
  })
  peakMonth!: string | null;

  @Field(() => Float, { nullable: true, description: 'Utilization in the peak month.' })
  peakUtilization!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Units still available in the peak month: how much more can be sold there.',
  })
  headroomUnits!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'Engagement slots of the provider’s phase: used against the cap.' })
export class EngagementSlots {
  @Field(() => Int, { description: 'Engagements taking a slot (PENDING_BAA or ACTIVE).' })
  used!: number;

  @Field(() => Int, { nullable: true, description: 'The phase’s cap; null = unlimited.' })
  limit!: number | null;

  @Field({ description: 'e.g. `2 of 10`, or `3 of unlimited`.' })
  label!: string;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A provider’s capacity sold per offering and month, against sellable and total, with its phase.',
})
export class ProviderUtilization {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field({ description: 'Name of the phase in force.' })
  phase!: string;

  @Field(() => Float, { description: 'Share of total capacity the phase lets it sell.' })
  maxExternalShare!: number;

  @Field(() => EngagementSlots, { description: 'Engagement slots used in the phase.' })
  engagementSlots!: EngagementSlots;

  @Field(() => [OfferingUtilization], { description: 'Each offering (every status), by title.' })
  offerings!: OfferingUtilization[];

  @Field(() => [UtilizationMonth], {
    description: 'All offerings together, per month (meaningful when they share a unit).',
  })
  totals!: UtilizationMonth[];
}

// ---- Servable demand ----------------------------------------------------------------------------

@ObjectType({
  simpleResolvers: true,
  description: 'One of the provider’s offerings that passes every hard rule of matching for a need.',
})
export class ServableOffering {
  @Field(() => ID, { description: 'The offering (`offering` resolves it).' })
  offeringId!: string;

  @Field(() => Float, {
    description:
      'Matching’s 0..100 score of the offering for the need, seen from the provider’s side (the buyer’s budget and relationships are not used); price is judged against the provider’s own candidates.',
  })
  fit!: number;

  @Field(() => Int, { description: 'Fewest units available in any month of the need.' })
  minAvailableUnits!: number;

  @Field(() => DecimalScalar, {
    description: 'What a steady month at the need’s volume would bill (as `Match.estimatedMonthlyCost`).',
  })
  estimatedMonthlyCost!: string;

  @Field({ description: 'Currency of the cost.' })
  currency!: string;

  @Field(() => ID, { nullable: true, description: 'The offering’s live quote on the need, if it has one.' })
  quoteId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'An open need the provider can serve.' })
export class ServableNeed {
  @Field(() => ID, { description: 'The need (`need` resolves it).' })
  needId!: string;

  @Field({ description: 'Service category code.' })
  categoryCode!: string;

  @Field(() => Int, { description: 'Units per month.' })
  monthlyVolume!: number;

  @Field(() => [MonthScalar], { description: 'The need’s months.' })
  months!: string[];

  @Field({ description: 'Whether the provider has a live quote on it.' })
  quoted!: boolean;

  @Field(() => Float, { description: 'Best fit among its offerings.' })
  bestFit!: number;

  @Field(() => [ServableOffering], { description: 'Its offerings that pass, best fit first.' })
  offerings!: ServableOffering[];
}

@ObjectType({
  simpleResolvers: true,
  description: 'Open needs a provider can actually serve: some offering passes every hard rule of matching.',
})
export class ServableDemand {
  @Field(() => ID, { description: 'The provider.' })
  providerId!: string;

  @Field(() => Int, { description: 'Servable open needs in all.' })
  totalCount!: number;

  @Field(() => Int, { description: 'Of them, needs it has quoted.' })
  quotedCount!: number;

  @Field(() => [ServableNeed], { description: 'The first `first` of them, best fit first (ties by need id).' })
  needs!: ServableNeed[];
}

// ---- Scorecard ----------------------------------------------------------------------------------

@ObjectType({ simpleResolvers: true, description: 'Scheduled against delivered in one month of an engagement.' })
export class ScorecardMonth {
  @Field(() => MonthScalar, { description: 'The month.' })
  month!: string;

  @Field(() => Int, { description: 'Units the schedule calls for.' })
  scheduledUnits!: number;

  @Field(() => DecimalScalar, { description: 'The schedule’s amount for the month.' })
  scheduledAmount!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Units delivered (the report’s current version); null when not reported.',
  })
  deliveredUnits!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of SLA targets met in the month’s report.' })
  attainment!: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether every SLA target was met.' })
  allTargetsMet!: boolean | null;

  @Field({ description: 'Whether the month’s report is disputed by the buyer and not resolved.' })
  disputed!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A reported value of an SLA metric.' })
export class MetricPoint {
  @Field(() => MonthScalar, { description: 'The month reported.' })
  month!: string;

  @Field(() => Float, { description: 'The value.' })
  value!: number;

  @Field({ description: 'Whether it meets the target.' })
  met!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'One SLA metric over time against its agreed target.' })
export class MetricSeries {
  @Field({ description: 'The metric.' })
  metric!: string;

  @Field(() => Float, { description: 'The agreed target.' })
  target!: number;

  @Field(() => String, { nullable: true, description: 'Unit of the target.' })
  unit!: string | null;

  @Field(() => SlaDirection, { description: 'AT_LEAST or AT_MOST.' })
  direction!: SlaDirection;

  @Field(() => [MetricPoint], { description: 'Reported values, oldest first.' })
  points!: MetricPoint[];

  @Field(() => Float, {
    nullable: true,
    description: 'Share of reported months meeting the target; null before any report.',
  })
  attainment!: number | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'How an engagement performs against what was agreed: delivery, SLA attainment, spend, disputes.',
})
export class Scorecard {
  @Field({ description: 'Currency of the amounts.' })
  currency!: string;

  @Field(() => DecimalScalar, { description: 'The accepted quote’s total (setup fee included).' })
  quoteTotal!: string;

  @Field(() => DecimalScalar, {
    description:
      'Billed so far: the setup fee once service started, plus the schedule’s amounts up to the current month (within service).',
  })
  spendToDate!: string;

  @Field(() => Int, { description: 'Units scheduled up to the current month (within service).' })
  scheduledUnitsToDate!: number;

  @Field(() => Int, { description: 'Units delivered per the reports.' })
  deliveredUnitsToDate!: number;

  @Field(() => Float, { nullable: true, description: 'Share of SLA targets met across all reports; null before any.' })
  attainment!: number | null;

  @Field(() => Int, { description: 'Reports disputed by the buyer and not resolved.' })
  disputesOpen!: number;

  @Field(() => [ScorecardMonth], { description: 'Every month of service, scheduled against delivered.' })
  months!: ScorecardMonth[];

  @Field(() => [MetricSeries], { description: 'Each agreed SLA metric over time.' })
  metrics!: MetricSeries[];
}

// ---- Vendor portfolio ---------------------------------------------------------------------------

@ObjectType({ simpleResolvers: true, description: 'A provider the buyer works with in one category.' })
export class PortfolioVendor {
  @Field(() => ID, { description: 'The provider (`provider` resolves it).' })
  providerId!: string;

  @Field(() => [ID], { description: 'The active engagements with it in this category.' })
  engagementIds!: string[];
}

@ObjectType({ simpleResolvers: true, description: 'The buyer’s active engagements in one service category.' })
export class PortfolioCategory {
  @Field({ description: 'Service category code.' })
  categoryCode!: string;

  @Field(() => Int, { description: 'Active engagements in it.' })
  activeEngagements!: number;

  @Field(() => [PortfolioVendor], { description: 'Providers in it, most engagements first.' })
  vendors!: PortfolioVendor[];

  @Field({ description: 'Whether several providers serve this one function (fragmentation).' })
  fragmented!: boolean;

  @Field(() => [ID], {
    description:
      'Existing partners (providers of the buyer’s active engagements in other categories) with a published offering in this category that do not serve it here yet: who the matching would favour for consolidation.',
  })
  consolidationCandidateIds!: string[];
}

@ObjectType({
  simpleResolvers: true,
  description: 'A buyer’s outsourcing: active engagements by category and provider, with fragmentation flagged.',
})
export class VendorPortfolio {
  @Field(() => ID, { description: 'The buyer.' })
  buyerId!: string;

  @Field(() => Int, { description: 'Active engagements (PENDING_BAA or ACTIVE) in all.' })
  activeEngagements!: number;

  @Field(() => Int, { description: 'Distinct providers.' })
  vendorCount!: number;

  @Field(() => Int, { description: 'Categories served by more than one provider.' })
  fragmentedCategories!: number;

  @Field(() => [PortfolioCategory], { description: 'Per category, by code.' })
  categories!: PortfolioCategory[];
}
