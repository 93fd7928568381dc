import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../access/context';
import { MonthScalar } from '../shared/scalars';
import { Engagement } from '../engagements/engagement.entity';
import { Offering } from '../catalog/offering.entity';
import { Need } from '../needs/need.entity';
import { Quote } from '../quotes/quote.entity';
import { Organization } from '../organizations/organization.entity';
import { ServiceCategory } from '../reference/reference.types';
import { serviceCategory } from '../reference/reference.service';
import { DEFAULT_MATCHES } from '../matching/matching.service';
import { servableDemand } from './servable-demand';
import { findQuote } from '../quotes/quote.service';
import { findNeed } from '../needs/need.service';
import {
  BookedRevenue,
  OfferingUtilization,
  Pipeline,
  PipelineQuote,
  PortfolioCategory,
  PortfolioVendor,
  ProviderUtilization,
  Scorecard,
  ServableDemand,
  ServableNeed,
  ServableOffering,
  VendorPortfolio,
} from './insights.types';
import { bookedRevenue, pipeline, providerOf, utilization } from './provider-views';
import { buyerOf, scorecardOf, vendorPortfolio } from './buyer-views';

const providerArg = {
  nullable: true,
  description: 'The provider; default the key’s own organization (required for operator keys).',
} as const;
const fromArg = { description: 'First month.' } as const;
const toArg = { description: 'Last month (inclusive; at most 72 months after from).' } as const;

@Resolver()
export class InsightsResolver {
  @Authorized()
  @Query(() => Pipeline, {
    description:
      'A provider’s pipeline: open quotes with value and expiry, and how quotes closed in the period ended (with reasons and the win rate). The provider’s keys and the operator.',
  })
  async pipeline(
    @Arg('providerId', () => ID, providerArg) providerId: string | null,
    @Arg('from', () => MonthScalar, { description: 'First month of the period for closed quotes.' }) from: string,
    @Arg('to', () => MonthScalar, { description: 'Last month of the period (inclusive).' }) to: string,
    @Ctx() ctx: Context,
  ): Promise<Pipeline> {
    return pipeline(ctx, await providerOf(ctx, providerId), from, to);
  }

  @Authorized()
  @Query(() => [BookedRevenue], {
    description:
      'A provider’s booked revenue by month from its engagements’ agreed schedules and prices: committed, conditional (later phases not yet reached) and delivered. One entry per currency. The provider’s keys and the operator.',
  })
  async bookedRevenue(
    @Arg('providerId', () => ID, providerArg) providerId: string | null,
    @Arg('from', () => MonthScalar, fromArg) from: string,
    @Arg('to', () => MonthScalar, toArg) to: string,
    @Ctx() ctx: Context,
  ): Promise<BookedRevenue[]> {
    return bookedRevenue(ctx, await providerOf(ctx, providerId), from, to);
  }

  @Authorized()
  @Query(() => ProviderUtilization, {
    description:
      'A provider’s capacity per offering and month: sold (committed + conditional + held) against sellable and total, peak month and headroom, and engagement slots used in its phase. The provider’s keys and the operator.',
  })
  async utilization(
    @Arg('providerId', () => ID, providerArg) providerId: string | null,
    @Arg('from', () => MonthScalar, fromArg) from: string,
    @Arg('to', () => MonthScalar, toArg) to: string,
    @Ctx() ctx: Context,
  ): Promise<ProviderUtilization> {
    return utilization(ctx, await providerOf(ctx, providerId), from, to);
  }

  @Authorized()
  @Query(() => ServableDemand, {
    description:
      'Open needs, across all categories, that one of the provider’s offerings passes every hard rule of matching for, with fit, whether it has quoted, and the months. The provider’s keys and the operator.',
  })
  async servableDemand(
    @Arg('providerId', () => ID, providerArg) providerId: string | null,
    @Arg('first', () => Int, { defaultValue: DEFAULT_MATCHES * 2, description: 'How many needs (1-100).' })
    first: number,
    @Ctx() ctx: Context,
  ): Promise<ServableDemand> {
    return servableDemand(ctx, await providerOf(ctx, providerId), first);
  }

  @Authorized()
  @Query(() => VendorPortfolio, {
    description:
      'A buyer’s active engagements by service category and provider, fragmentation flagged, with consolidation candidates among its existing partners. The buyer’s keys, its network’s and the operator.',
  })
  async vendorPortfolio(
    @Arg('buyerId', () => ID, {
      nullable: true,
      description:
        'The buyer; default the key’s own organization (a network’s key may name a member; required for operator keys).',
    })
    buyerId: string | null,
    @Ctx() ctx: Context,
  ): Promise<VendorPortfolio> {
    return vendorPortfolio(ctx, await buyerOf(ctx, buyerId));
  }
}

@Resolver(() => Engagement)
export class ScorecardResolver {
  @FieldResolver(() => Scorecard, {
    description:
      'How the engagement performs against what was agreed: delivered against scheduled per month, SLA attainment per metric, spend to date against the quote, open disputes.',
  })
  async scorecard(@Root() e: Engagement, @Ctx() ctx: Context): Promise<Scorecard> {
    return scorecardOf((await ctx.loaders.scorecardFacts.load(e.id))!);
  }
}

@Resolver(() => Pipeline)
export class PipelineFieldsResolver {
  @FieldResolver(() => Organization, { description: 'The provider.' })
  provider(@Root() p: Pipeline, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(p.providerId);
  }
}

@Resolver(() => PipelineQuote)
export class PipelineQuoteResolver {
  @FieldResolver(() => Quote, { nullable: true, description: 'The quote.' })
  quote(@Root() q: PipelineQuote, @Ctx() ctx: Context) {
    return findQuote(ctx, q.quoteId);
  }

  @FieldResolver(() => Need, { nullable: true, description: 'The need quoted.' })
  need(@Root() q: PipelineQuote, @Ctx() ctx: Context) {
    return findNeed(ctx, q.needId); // the need's own visibility, as everywhere
  }
}

@Resolver(() => OfferingUtilization)
export class OfferingUtilizationResolver {
  @FieldResolver(() => Offering, { description: 'The offering.' })
  offering(@Root() o: OfferingUtilization, @Ctx() ctx: Context) {
    return ctx.loaders.offeringById.load(o.offeringId);
  }
}

@Resolver(() => ServableNeed)
export class ServableNeedResolver {
  @FieldResolver(() => Need, { description: 'The need.' })
  need(@Root() n: ServableNeed, @Ctx() ctx: Context) {
    return findNeed(ctx, n.needId);
  }
}

@Resolver(() => ServableOffering)
export class ServableOfferingResolver {
  @FieldResolver(() => Offering, { description: 'The offering.' })
  offering(@Root() o: ServableOffering, @Ctx() ctx: Context) {
    return ctx.loaders.offeringById.load(o.offeringId);
  }

  @FieldResolver(() => Quote, { nullable: true, description: 'Its live quote on the need.' })
  quote(@Root() o: ServableOffering, @Ctx() ctx: Context) {
    return o.quoteId ? findQuote(ctx, o.quoteId) : null;
  }
}

@Resolver(() => VendorPortfolio)
export class VendorPortfolioResolver {
  @FieldResolver(() => Organization, { description: 'The buyer.' })
  buyer(@Root() p: VendorPortfolio, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(p.buyerId);
  }
}

@Resolver(() => PortfolioCategory)
export class PortfolioCategoryResolver {
  @FieldResolver(() => ServiceCategory, { description: 'The service category.' })
  category(@Root() c: PortfolioCategory) {
    return serviceCategory(c.categoryCode);
  }

  @FieldResolver(() => [Organization], { description: 'The consolidation candidates (see consolidationCandidateIds).' })
  async consolidationCandidates(@Root() c: PortfolioCategory, @Ctx() ctx: Context) {
    return (await ctx.loaders.organizationById.loadMany(c.consolidationCandidateIds)).filter(
      (o): o is Organization => o instanceof Organization,
    );
  }
}

@Resolver(() => PortfolioVendor)
export class PortfolioVendorResolver {
  @FieldResolver(() => Organization, { description: 'The provider.' })
  provider(@Root() v: PortfolioVendor, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(v.providerId);
  }
}

export const INSIGHTS_RESOLVERS = [
  InsightsResolver,
  ScorecardResolver,
  PipelineFieldsResolver,
  PipelineQuoteResolver,
  OfferingUtilizationResolver,
  ServableNeedResolver,
  ServableOfferingResolver,
  VendorPortfolioResolver,
  PortfolioCategoryResolver,
  PortfolioVendorResolver,
] as const;
