import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Quote } from './quote.entity';
import {
  DeclineQuoteInput,
  DeclineQuotePayload,
  IssueQuoteInput,
  IssueQuotePayload,
  QuoteConnection,
  QuoteFilter,
  ReviseQuoteInput,
  ReviseQuotePayload,
  WithdrawQuoteInput,
  WithdrawQuotePayload,
} from './quote.types';
import { declineQuote, findQuote, issueQuote, listQuotes, reviseQuote, withdrawQuote } from './quote.service';
import { Need } from '../needs/need.entity';
import { Offering } from '../catalog/offering.entity';
import { quoteWarnings } from './pricing';
import { readsNeedPrivateFields } from '../access/visibility';
import { Organization } from '../organizations/organization.entity';
import { SELLERS, WRITERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { PageArgs, toConnection, toPage } from '../shared/connection';
import { DecimalScalar } from '../shared/scalars';
import { Money } from '../shared/money';
import { toPayload } from '../shared/payload';
import { isUuid } from '../shared/ids';

@Resolver(() => Quote)
export class QuoteResolver {
  @Query(() => Quote, { nullable: true, description: 'A quote, for its two parties and the operator.' })
  quote(@Arg('id', () => ID, { description: 'Quote id.' }) id: string, @Ctx() ctx: Context) {
    return findQuote(ctx, id);
  }

  @Query(() => QuoteConnection, { description: 'Quotes you are a party to, newest first.' })
  async quotes(
    @Arg('filter', () => QuoteFilter, { nullable: true, description: 'Filters; all must hold.' }) filter:
      | QuoteFilter
      | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(await listQuotes(ctx, filter, page), page);
  }

  @Authorized(...SELLERS)
  @Mutation(() => IssueQuotePayload, {
    description: 'Issues a quote and holds its capacity in every month (all or nothing).',
  })
  issueQuote(@Arg('input') input: IssueQuoteInput, @Ctx() ctx: Context) {
    return toPayload(() => issueQuote(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => ReviseQuotePayload, {
    description: 'Issues version n+1 of a quote; version n becomes SUPERSEDED and its holds move.',
  })
  reviseQuote(@Arg('input') input: ReviseQuoteInput, @Ctx() ctx: Context) {
    return toPayload(() => reviseQuote(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => WithdrawQuotePayload, { description: 'Withdraws an ISSUED quote (provider).' })
  withdrawQuote(@Arg('input') input: WithdrawQuoteInput, @Ctx() ctx: Context) {
    return toPayload(() => withdrawQuote(ctx, input.id, input.reason));
  }

  @Authorized(...WRITERS)
  @Mutation(() => DeclineQuotePayload, { description: 'Declines an ISSUED quote (buyer side).' })
  declineQuote(@Arg('input') input: DeclineQuoteInput, @Ctx() ctx: Context) {
    return toPayload(() => declineQuote(ctx, input));
  }

  @FieldResolver(() => Need, { description: 'The need quoted.' })
  need(@Root() q: Quote, @Ctx() ctx: Context) {
    return ctx.loaders.needById.load(q.needId);
  }

  @FieldResolver(() => Offering, { description: 'The offering quoted.' })
  offering(@Root() q: Quote, @Ctx() ctx: Context) {
    return ctx.loaders.offeringById.load(q.offeringId);
  }

  @FieldResolver(() => Organization, { description: 'The provider.' })
  provider(@Root() q: Quote, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(q.providerId);
  }

  @FieldResolver(() => Organization, { description: 'The buyer.' })
  buyer(@Root() q: Quote, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(q.buyerId);
  }

  @FieldResolver(() => Quote, { nullable: true, description: 'The version this one replaced.' })
  supersedes(@Root() q: Quote, @Ctx() ctx: Context) {
    return q.supersedesId ? ctx.loaders.quoteById.load(q.supersedesId) : null;
  }

  @FieldResolver(() => Int, { description: 'Units over the whole schedule.' })
  totalUnits(@Root() q: Quote) {
    return q.schedule.reduce((s, l) => s + l.units, 0);
  }

  @FieldResolver(() => DecimalScalar, {
    description: 'Total divided by total units (setup fee included), to compare quotes.',
  })
  costPerUnit(@Root() q: Quote) {
    const units = q.schedule.reduce((s, l) => s + l.units, 0);
    return new Money(q.total)
      .div(units || 1)
      .toDecimalPlaces(4)
      .toFixed(4);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      "Buyer side only (null for everyone else, and when the need has no maximum): whether `costPerUnit` (setup fee and monthly minimums included) is above the need's `maxUnitPrice`.",
  })
  async aboveMaxUnitPrice(@Root() q: Quote, @Ctx() ctx: Context) {
    const need = await ctx.loaders.needById.load(q.needId);
    if (!need || need.maxUnitPrice === null || !readsNeedPrivateFields(ctx.viewer, need)) return null;
    return new Money(this.costPerUnit(q)).gt(need.maxUnitPrice);
  }

  @FieldResolver(() => [String], {
    description:
      'Things both parties should know before accepting, e.g. a pilot shorter than the reports its gate needs.',
  })
  warnings(@Root() q: Quote) {
    return quoteWarnings(q);
  }
}

/** A need's quotes (quotes sit above needs, so the field is resolved here). */
@Resolver(() => Need)
export class NeedQuotesResolver {
  @FieldResolver(() => QuoteConnection, {
    description: 'Quotes on the need, cheapest first: every quote for the buyer side, only your own for a provider.',
  })
  async quotes(@Root() n: Need, @Args() args: PageArgs, @Ctx() ctx: Context) {
    const page = toPage(args);
    const viewer = ctx.viewer;
    // One statement text for every viewer: the viewer's organizations are a parameter.
    const own = viewer.isPartyOf(n.buyerId)
      ? {}
      : { scope: 't.provider_id = any(?::uuid[])', scopeParams: [viewer.sellerIds.filter(isUuid)] };
    return toConnection(await ctx.loaders.quotesByNeed.load({ parentId: n.id, ...page, ...own }), page);
  }
}
