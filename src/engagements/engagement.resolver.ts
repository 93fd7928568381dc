import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Engagement } from './engagement.entity';
import {
  AdvanceEngagementPhaseInput,
  AdvanceEngagementPhasePayload,
  EngagementConnection,
  EngagementFilter,
  PerformanceReportConnection,
  RecordPerformanceInput,
  RecordPerformancePayload,
  SetTaskBoundariesInput,
  SetTaskBoundariesPayload,
  SignBaaInput,
  SignBaaPayload,
  TerminateEngagementInput,
  TerminateEngagementPayload,
} from './engagement.types';
import {
  advanceEngagementPhase,
  findEngagement,
  listEngagements,
  recordPerformance,
  setTaskBoundaries,
  signBaa,
  terminateEngagement,
} from './engagement.service';
import { Quote } from '../quotes/quote.entity';
import { Need } from '../needs/need.entity';
import { Offering } from '../catalog/offering.entity';
import { Organization } from '../organizations/organization.entity';
import { SELLERS, WRITERS } from '../auth/auth-checker';
import type { Context } from '../shared/context';
import { PageArgs, toConnection, toPage } from '../shared/connection';
import { toPayload } from '../shared/payload';

@Resolver(() => Engagement)
export class EngagementResolver {
  @Query(() => Engagement, { nullable: true, description: 'An engagement, for its two parties and the operator.' })
  engagement(@Arg('id', () => ID, { description: 'Engagement id.' }) id: string, @Ctx() ctx: Context) {
    return findEngagement(ctx, id);
  }

  @Query(() => EngagementConnection, { description: 'Engagements you are a party to, newest first.' })
  async engagements(
    @Arg('filter', () => EngagementFilter, { nullable: true, description: 'Filters; all must hold.' }) filter: EngagementFilter | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    const { nodes, total } = await listEngagements(ctx, filter, page);
    return toConnection(nodes, total, page);
  }

  @Authorized(...WRITERS)
  @Mutation(() => SignBaaPayload, { description: 'Records the signed BAA (either party); a PENDING_BAA engagement becomes ACTIVE.' })
  signBaa(@Arg('input') input: SignBaaInput, @Ctx() ctx: Context) {
    return toPayload(() => signBaa(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => SetTaskBoundariesPayload, { description: 'Sets who owns each task (either party).' })
  setTaskBoundaries(@Arg('input') input: SetTaskBoundariesInput, @Ctx() ctx: Context) {
    return toPayload(() => setTaskBoundaries(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => RecordPerformancePayload, { description: 'Records the provider’s report for a month: delivered units and SLA metrics.' })
  recordPerformance(@Arg('input') input: RecordPerformanceInput, @Ctx() ctx: Context) {
    return toPayload(() => recordPerformance(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => AdvanceEngagementPhasePayload, { description: 'The buyer approves the next phase; refused with GATE_NOT_MET until the last reports of the phase meet every SLA target.' })
  advanceEngagementPhase(@Arg('input') input: AdvanceEngagementPhaseInput, @Ctx() ctx: Context) {
    return toPayload(() => advanceEngagementPhase(ctx, input.engagementId));
  }

  @Authorized(...WRITERS)
  @Mutation(() => TerminateEngagementPayload, { description: 'Terminates at once (either party); reservations from effectiveMonth on are released.' })
  terminateEngagement(@Arg('input') input: TerminateEngagementInput, @Ctx() ctx: Context) {
    return toPayload(() => terminateEngagement(ctx, input));
  }

  @FieldResolver(() => Quote, { description: 'The accepted quote.' })
  quote(@Root() e: Engagement, @Ctx() ctx: Context) {
    return ctx.loaders.quoteById.load(e.quoteId);
  }

  @FieldResolver(() => Need, { description: 'The need it serves.' })
  need(@Root() e: Engagement, @Ctx() ctx: Context) {
    return ctx.loaders.needById.load(e.needId);
  }

  @FieldResolver(() => Offering, { description: 'The offering delivered.' })
  offering(@Root() e: Engagement, @Ctx() ctx: Context) {
    return ctx.loaders.offeringById.load(e.offeringId);
  }

  @FieldResolver(() => Organization, { description: 'The provider.' })
  provider(@Root() e: Engagement, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(e.providerId);
  }

  @FieldResolver(() => Organization, { description: 'The buyer.' })
  buyer(@Root() e: Engagement, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(e.buyerId);
  }

  @FieldResolver(() => PerformanceReportConnection, { description: 'Monthly reports, newest first.' })
  async performanceReports(@Root() e: Engagement, @Args() args: PageArgs, @Ctx() ctx: Context) {
    const page = toPage(args);
    const { nodes, total } = await ctx.loaders.reportsByEngagement.load({ parentId: e.id, ...page });
    return toConnection(nodes, total, page);
  }
}
