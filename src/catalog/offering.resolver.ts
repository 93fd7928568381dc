import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Offering, OfferingStatus } from './offering.entity';
import {
  CreateOfferingInput,
  CreateOfferingPayload,
  OfferingConnection,
  OfferingFilter,
  PauseOfferingInput,
  PauseOfferingPayload,
  PublishOfferingInput,
  PublishOfferingPayload,
  UpdateOfferingInput,
  UpdateOfferingPayload,
} from './offering.types';
import { createOffering, findOffering, listOfferings, transitionOffering, updateOffering } from './offering.service';
import { Organization } from '../organizations/organization.entity';
import { EhrPlatform, Region, ServiceCategory } from '../reference/reference.types';
import { ehrPlatform, region, serviceCategory } from '../reference/reference.service';
import { SELLERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { PageArgs, toConnection, toPage } from '../shared/connection';
import { toPayload } from '../shared/payload';

@Resolver(() => Offering)
export class OfferingResolver {
  @Query(() => Offering, {
    nullable: true,
    description: 'An offering by id: published ones for everyone, the others for their provider.',
  })
  offering(@Arg('id', () => ID, { description: 'Offering id.' }) id: string, @Ctx() ctx: Context) {
    return findOffering(ctx, id);
  }

  @Query(() => OfferingConnection, { description: 'Offerings visible to the caller, by title.' })
  async offerings(
    @Arg('filter', () => OfferingFilter, { nullable: true, description: 'Filters; all must hold.' }) filter:
      | OfferingFilter
      | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(await listOfferings(ctx, filter, page), page);
  }

  @Authorized(...SELLERS)
  @Mutation(() => CreateOfferingPayload, {
    description: 'Creates a DRAFT offering for the caller’s organization (or any, for the operator).',
  })
  createOffering(@Arg('input') input: CreateOfferingInput, @Ctx() ctx: Context) {
    return toPayload(() => createOffering(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => UpdateOfferingPayload, { description: 'Changes an offering.' })
  updateOffering(@Arg('input') input: UpdateOfferingInput, @Ctx() ctx: Context) {
    return toPayload(() => updateOffering(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => PublishOfferingPayload, { description: 'Publishes a DRAFT or PAUSED offering.' })
  publishOffering(@Arg('input') input: PublishOfferingInput, @Ctx() ctx: Context) {
    return toPayload(() => transitionOffering(ctx, input.id, OfferingStatus.PUBLISHED));
  }

  @Authorized(...SELLERS)
  @Mutation(() => PauseOfferingPayload, { description: 'Pauses a PUBLISHED offering.' })
  pauseOffering(@Arg('input') input: PauseOfferingInput, @Ctx() ctx: Context) {
    return toPayload(() => transitionOffering(ctx, input.id, OfferingStatus.PAUSED));
  }

  @FieldResolver(() => Organization, { description: 'The selling organization.' })
  provider(@Root() o: Offering, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(o.providerId);
  }

  @FieldResolver(() => ServiceCategory, { description: 'Service category.' })
  category(@Root() o: Offering) {
    return serviceCategory(o.categoryCode);
  }

  @FieldResolver(() => [EhrPlatform], { description: 'Supported EHR platforms.' })
  ehrPlatforms(@Root() o: Offering) {
    return o.ehrPlatformCodes.map(ehrPlatform);
  }

  @FieldResolver(() => [Region], { description: 'Served regions (states, HHS regions or NATIONWIDE).' })
  regions(@Root() o: Offering) {
    return o.regionCodes.map(region);
  }
}

/** An organization's offerings (catalog sits above organizations, so the field is resolved here). */
@Resolver(() => Organization)
export class OrganizationOfferingsResolver {
  @FieldResolver(() => OfferingConnection, {
    description: "The organization's offerings: published ones for everyone, all of them for the organization itself.",
  })
  async offerings(@Root() org: Organization, @Args() args: PageArgs, @Ctx() ctx: Context) {
    const page = toPage(args);
    const scope = ctx.viewer.isSellerOf(org.id) ? undefined : `t.status = 'PUBLISHED'`;
    return toConnection(await ctx.loaders.offeringsByProvider.load({ parentId: org.id, ...page, scope }), page);
  }
}
