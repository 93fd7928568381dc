import { readsCapacityBook, readsPhasePolicy } from '../access/visibility';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { MAX_PAGE_SIZE, toPage } from '../shared/connection';
import { Offering, OfferingStatus } from '../catalog/offering.entity';
import { Organization } from '../organizations/organization.entity';
import { SELLERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { MonthScalar } from '../shared/scalars';
import { isUuid } from '../shared/ids';
import { toPayload } from '../shared/payload';
import {
  ApprovePhasePolicyChangeInput,
  ApprovePhasePolicyChangePayload,
  RejectPhasePolicyChangeInput,
  RejectPhasePolicyChangePayload,
  AdvanceProviderPhaseInput,
  AdvanceProviderPhasePayload,
  CapacityMonth,
  OfferingCapacity,
  PhasePolicy,
  RetreatProviderPhaseInput,
  RetreatProviderPhasePayload,
  SetCapacityInput,
  SetCapacityPayload,
  SetPhasePolicyInput,
  SetPhasePolicyPayload,
} from './capacity.types';
import {
  advanceProviderPhase,
  approvePhasePolicyChange,
  rejectPhasePolicyChange,
  checkRange,
  retreatProviderPhase,
  setCapacity,
  setPhasePolicy,
  toCapacityMonths,
} from './capacity.service';

async function capacityOf(ctx: Context, offering: Offering, from: string, to: string): Promise<CapacityMonth[]> {
  const fullView = readsCapacityBook(ctx.viewer, offering.providerId);
  const [rows, provider] = await Promise.all([
    ctx.loaders.capacityByOffering.load({ offeringId: offering.id, from, to }),
    fullView ? ctx.loaders.organizationById.load(offering.providerId) : null,
  ]);
  return toCapacityMonths(rows, fullView, provider ? provider.phasePolicy[provider.currentPhase].name : null);
}

@Resolver(() => Offering)
export class OfferingCapacityResolver {
  @FieldResolver(() => [CapacityMonth], {
    description: 'Capacity per month of the range (availability only, unless you are the provider).',
  })
  capacity(
    @Root() offering: Offering,
    @Arg('from', () => MonthScalar, { description: 'First month.' }) from: string,
    @Arg('to', () => MonthScalar, { description: 'Last month (inclusive).' }) to: string,
    @Ctx() ctx: Context,
  ) {
    checkRange(from, to);
    return capacityOf(ctx, offering, from, to);
  }
}

@Resolver(() => Organization)
export class PhasePolicyResolver {
  @FieldResolver(() => PhasePolicy, {
    nullable: true,
    description: 'The provider’s phase policy (visible to the organization itself and the operator).',
  })
  phasePolicy(@Root() org: Organization, @Ctx() ctx: Context): PhasePolicy | null {
    if (!readsPhasePolicy(ctx.viewer, org.id)) return null;
    const pendingChange = org.pendingPhasePolicy
      ? { phases: org.pendingPhasePolicy, requestedAt: org.pendingPhasePolicyAt! }
      : null;
    return {
      phases: org.phasePolicy,
      currentPhase: org.phasePolicy[org.currentPhase],
      enteredCurrentPhaseAt: org.phaseEnteredAt,
      pendingChange,
    };
  }
}

@Resolver()
export class CapacityResolver {
  @Query(() => [OfferingCapacity], {
    description:
      'Capacity of a provider’s offerings over a range: every figure for the provider and the operator; published offerings with availability only for others.',
  })
  async capacityOverview(
    @Arg('providerId', () => ID, { description: 'The provider.' }) providerId: string,
    @Arg('from', () => MonthScalar, { description: 'First month.' }) from: string,
    @Arg('to', () => MonthScalar, { description: 'Last month (inclusive).' }) to: string,
    @Arg('first', () => Int, {
      defaultValue: MAX_PAGE_SIZE,
      description: `At most this many offerings, by title (at most ${MAX_PAGE_SIZE}).`,
    })
    first: number,
    @Ctx() ctx: Context,
  ): Promise<OfferingCapacity[]> {
    checkRange(from, to);
    const { limit } = toPage({ first });
    if (!isUuid(providerId)) return [];
    const where = ctx.viewer.isSellerOf(providerId) ? { providerId } : { providerId, status: OfferingStatus.PUBLISHED };
    const offerings = await ctx.em.find(Offering, where, { orderBy: { title: 'asc', id: 'asc' }, limit });
    return Promise.all(
      offerings.map(async (offering) => ({ offering, months: await capacityOf(ctx, offering, from, to) })),
    );
  }

  @Authorized(...SELLERS)
  @Mutation(() => SetCapacityPayload, {
    description: 'Sets total units per month of an offering; refused where a month would fall below what is reserved.',
  })
  setCapacity(@Arg('input') input: SetCapacityInput, @Ctx() ctx: Context) {
    return toPayload(() => setCapacity(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => SetPhasePolicyPayload, {
    description:
      'Replaces a provider’s phase policy; sellable units are recomputed, and refused where below reservations. A provider’s change that only tightens takes effect at once; one that loosens anything waits for the operator as `phasePolicy.pendingChange`. The operator’s own change takes effect at once.',
  })
  setPhasePolicy(@Arg('input') input: SetPhasePolicyInput, @Ctx() ctx: Context) {
    return toPayload(() =>
      setPhasePolicy(ctx, {
        providerId: input.providerId,
        phases: input.phases.map((p) => ({ ...p, maxActiveEngagements: p.maxActiveEngagements ?? null })),
      }),
    );
  }

  @Authorized(...SELLERS)
  @Mutation(() => ApprovePhasePolicyChangePayload, {
    description: 'The operator approves a provider’s pending phase policy change: it takes effect now.',
  })
  approvePhasePolicyChange(@Arg('input') input: ApprovePhasePolicyChangeInput, @Ctx() ctx: Context) {
    return toPayload(() => approvePhasePolicyChange(ctx, input.providerId));
  }

  @Authorized(...SELLERS)
  @Mutation(() => RejectPhasePolicyChangePayload, {
    description:
      'The operator rejects a provider’s pending phase policy change, with the reason; the policy in force stays.',
  })
  rejectPhasePolicyChange(@Arg('input') input: RejectPhasePolicyChangeInput, @Ctx() ctx: Context) {
    return toPayload(() => rejectPhasePolicyChange(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => AdvanceProviderPhasePayload, {
    description: 'Moves a provider to its next phase when the gate is met, or by operator override with a reason.',
  })
  advanceProviderPhase(@Arg('input') input: AdvanceProviderPhaseInput, @Ctx() ctx: Context) {
    return toPayload(() => advanceProviderPhase(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => RetreatProviderPhasePayload, {
    description: 'Moves a provider back one phase; refused where reservations would exceed the smaller share.',
  })
  retreatProviderPhase(@Arg('input') input: RetreatProviderPhaseInput, @Ctx() ctx: Context) {
    return toPayload(() => retreatProviderPhase(ctx, input));
  }
}
