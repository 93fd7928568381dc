import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { BaaSignature, Engagement, TaskBoundary, TaskBoundaryProposal } from './engagement.entity';
import {
  AcceptQuoteInput,
  AcceptQuotePayload,
  ConfirmTaskBoundariesInput,
  ConfirmTaskBoundariesPayload,
  DisputePerformanceReportInput,
  DisputePerformanceReportPayload,
  ResolvePerformanceDisputeInput,
  ResolvePerformanceDisputePayload,
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
  confirmTaskBoundaries,
  disputePerformanceReport,
  resolvePerformanceDispute,
  advanceEngagementPhase,
  findEngagement,
  listEngagements,
  recordPerformance,
  setTaskBoundaries,
  signBaa,
  terminateEngagement,
} from './engagement.service';
import { Quote } from '../quotes/quote.entity';
import { acceptQuote } from './accept-quote';
import { Need } from '../needs/need.entity';
import { Offering, SlaTarget } from '../catalog/offering.entity';
import { MonthScalar } from '../shared/scalars';
import { addMonths, currentMonth } from '../shared/month';
import { Organization } from '../organizations/organization.entity';
import { SELLERS, WRITERS } from '../access/auth-checker';
import type { Context } from '../access/context';
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
    @Arg('filter', () => EngagementFilter, { nullable: true, description: 'Filters; all must hold.' }) filter:
      | EngagementFilter
      | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(await listEngagements(ctx, filter, page), page);
  }

  @Authorized(...WRITERS)
  @Mutation(() => AcceptQuotePayload, {
    description: 'Accepts a quote (buyer side): creates the engagement, awards the need and expires the other quotes.',
  })
  acceptQuote(@Arg('input') input: AcceptQuoteInput, @Ctx() ctx: Context): Promise<AcceptQuotePayload> {
    return toPayload(
      () => acceptQuote(ctx, input),
      (r, userErrors) => ({ quote: r?.quote ?? null, engagement: r?.engagement ?? null, userErrors }),
    );
  }

  @Authorized(...WRITERS)
  @Mutation(() => SignBaaPayload, {
    description:
      'Records your side’s signature of the BAA (each party signs; the operator is not a party). Once both have signed the BAA is in force and a PENDING_BAA engagement becomes ACTIVE.',
  })
  signBaa(@Arg('input') input: SignBaaInput, @Ctx() ctx: Context) {
    return toPayload(() => signBaa(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => SetTaskBoundariesPayload, {
    description:
      'Proposes who owns each task (either party; not the operator): kept as `proposedTaskBoundaries` until the other party confirms. In PILOT the provider owns at most one task.',
  })
  setTaskBoundaries(@Arg('input') input: SetTaskBoundariesInput, @Ctx() ctx: Context) {
    return toPayload(() => setTaskBoundaries(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => ConfirmTaskBoundariesPayload, {
    description:
      'The other party agrees to the proposed task boundaries: they replace the current ones. The proposer cannot confirm its own proposal.',
  })
  confirmTaskBoundaries(@Arg('input') input: ConfirmTaskBoundariesInput, @Ctx() ctx: Context) {
    return toPayload(() => confirmTaskBoundaries(ctx, input.engagementId, input.proposedAt ?? null));
  }

  @Authorized(...WRITERS)
  @Mutation(() => DisputePerformanceReportPayload, {
    description:
      'The buyer side disputes a monthly report, with the reason; the phase gate is not met while it is disputed.',
  })
  disputePerformanceReport(@Arg('input') input: DisputePerformanceReportInput, @Ctx() ctx: Context) {
    return toPayload(() => disputePerformanceReport(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => ResolvePerformanceDisputePayload, {
    description: 'The buyer side resolves its dispute of a monthly report; it counts for the gate again.',
  })
  resolvePerformanceDispute(@Arg('input') input: ResolvePerformanceDisputeInput, @Ctx() ctx: Context) {
    return toPayload(() => resolvePerformanceDispute(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => RecordPerformancePayload, {
    description: 'Records the provider’s report for a month: delivered units and SLA metrics.',
  })
  recordPerformance(@Arg('input') input: RecordPerformanceInput, @Ctx() ctx: Context) {
    return toPayload(() => recordPerformance(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => AdvanceEngagementPhasePayload, {
    description:
      'The buyer approves the next phase; refused with GATE_NOT_MET until the last reports of the phase (the quote’s gateReportCount) meet every SLA target and none is disputed.',
  })
  advanceEngagementPhase(@Arg('input') input: AdvanceEngagementPhaseInput, @Ctx() ctx: Context) {
    return toPayload(() => advanceEngagementPhase(ctx, input.engagementId));
  }

  @Authorized(...WRITERS)
  @Mutation(() => TerminateEngagementPayload, {
    description:
      'Terminates (either party) from effectiveMonth, at least the agreed notice ahead unless for cause; reservations from effectiveMonth on are released.',
  })
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
    return toConnection(await ctx.loaders.reportsByEngagement.load({ parentId: e.id, ...page }), page);
  }

  @FieldResolver(() => [TaskBoundary], {
    nullable: true,
    description:
      'Task boundaries proposed by one party and not yet confirmed by the other; null when nothing is proposed.',
  })
  proposedTaskBoundaries(@Root() e: Engagement) {
    return e.taskProposal?.tasks ?? null;
  }

  @FieldResolver(() => TaskBoundaryProposal, {
    nullable: true,
    description:
      'The pending proposal of task boundaries: tasks, escalation contact, which party proposed it and when.',
  })
  taskBoundaryProposal(@Root() e: Engagement) {
    return e.taskProposal;
  }

  @FieldResolver(() => [SlaTarget], { description: 'SLA targets agreed in the accepted quote.' })
  async slaTargets(@Root() e: Engagement, @Ctx() ctx: Context) {
    return (await ctx.loaders.quoteById.load(e.quoteId))!.slaTargets;
  }

  @FieldResolver(() => Int, { description: 'Reports the phase gate needs, agreed in the accepted quote.' })
  async gateReportCount(@Root() e: Engagement, @Ctx() ctx: Context) {
    return (await ctx.loaders.quoteById.load(e.quoteId))!.gateReportCount;
  }

  @FieldResolver(() => Int, {
    description: 'Months of notice to terminate without cause, agreed in the accepted quote.',
  })
  async terminationNoticeMonths(@Root() e: Engagement, @Ctx() ctx: Context) {
    return (await ctx.loaders.quoteById.load(e.quoteId))!.terminationNoticeMonths;
  }

  @FieldResolver(() => MonthScalar, {
    description: 'The earliest effectiveMonth of a termination without cause, as of now.',
  })
  async earliestTerminationMonth(@Root() e: Engagement, @Ctx() ctx: Context) {
    return addMonths(currentMonth(), (await ctx.loaders.quoteById.load(e.quoteId))!.terminationNoticeMonths);
  }
}

@Resolver(() => BaaSignature)
export class BaaSignatureResolver {
  @FieldResolver(() => Organization, { description: 'The organization that signed.' })
  organization(@Root() s: BaaSignature, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(s.organizationId);
  }
}
