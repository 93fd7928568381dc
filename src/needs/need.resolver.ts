import { readsNeedPrivateFields } from '../access/visibility';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Need } from './need.entity';
import {
  CancelNeedInput,
  CancelNeedPayload,
  CreateNeedInput,
  CreateNeedPayload,
  NeedConnection,
  NeedFilter,
  UpdateNeedInput,
  UpdateNeedPayload,
} from './need.types';
import { cancelNeed, createNeed, findNeed, listNeeds } from './need.service';
import { updateNeed } from './need.service';
import { Organization } from '../organizations/organization.entity';
import { EhrPlatform, Region, ServiceCategory } from '../reference/reference.types';
import { ehrPlatform, region, serviceCategory } from '../reference/reference.service';
import { WRITERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { PageArgs, toConnection, toPage } from '../shared/connection';
import { DecimalScalar } from '../shared/scalars';
import { toPayload } from '../shared/payload';

@Resolver(() => Need)
export class NeedResolver {
  @Query(() => Need, {
    nullable: true,
    description: 'A need: OPEN ones for everyone, the others for the buyer side and the operator.',
  })
  need(@Arg('id', () => ID, { description: 'Need id.' }) id: string, @Ctx() ctx: Context) {
    return findNeed(ctx, id);
  }

  @Query(() => NeedConnection, {
    description: 'Needs visible to the caller, newest first: open demand for sellers, their own needs for buyers.',
  })
  async needs(
    @Arg('filter', () => NeedFilter, { nullable: true, description: 'Filters; all must hold.' }) filter:
      | NeedFilter
      | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(await listNeeds(ctx, filter, page), page);
  }

  @Authorized(...WRITERS)
  @Mutation(() => CreateNeedPayload, {
    description: 'Posts a need for the caller’s organization (or a member hospital, for a network’s INTEGRATION key).',
  })
  createNeed(@Arg('input') input: CreateNeedInput, @Ctx() ctx: Context) {
    return toPayload(() => createNeed(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => UpdateNeedPayload, { description: 'Changes an OPEN need.' })
  updateNeed(@Arg('input') input: UpdateNeedInput, @Ctx() ctx: Context) {
    return toPayload(() => updateNeed(ctx, input));
  }

  @Authorized(...WRITERS)
  @Mutation(() => CancelNeedPayload, {
    description: 'Cancels an OPEN need; its live quotes expire and release their holds.',
  })
  cancelNeed(@Arg('input') input: CancelNeedInput, @Ctx() ctx: Context) {
    return toPayload(() => cancelNeed(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The buyer.' })
  buyer(@Root() n: Need, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(n.buyerId);
  }

  @FieldResolver(() => ServiceCategory, { description: 'Service category.' })
  category(@Root() n: Need) {
    return serviceCategory(n.categoryCode);
  }

  @FieldResolver(() => EhrPlatform, { description: 'EHR platform the buyer runs.' })
  ehrPlatform(@Root() n: Need) {
    return ehrPlatform(n.ehrPlatformCode);
  }

  @FieldResolver(() => Region, { description: 'Where the service is needed.' })
  region(@Root() n: Need) {
    return region(n.regionCode);
  }

  @FieldResolver(() => DecimalScalar, {
    nullable: true,
    description: 'Highest acceptable unit price: buyer side and operator only (null for others).',
  })
  maxUnitPrice(@Root() n: Need, @Ctx() ctx: Context) {
    return readsNeedPrivateFields(ctx.viewer, n) ? n.maxUnitPrice : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Notes: buyer side and operator only (null for others).',
  })
  notes(@Root() n: Need, @Ctx() ctx: Context) {
    return readsNeedPrivateFields(ctx.viewer, n) ? n.notes : null;
  }
}
