import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Organization } from './organization.entity';
import {
  CreateOrganizationInput,
  CreateOrganizationPayload,
  OrganizationConnection,
  OrganizationFilter,
  UpdateOrganizationInput,
  UpdateOrganizationPayload,
} from './organization.types';
import { createOrganization, listOrganizations, updateOrganization } from './organization.service';
import { EhrPlatform } from '../reference/reference.types';
import { ehrPlatform, region } from '../reference/reference.service';
import { SELLERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { PageArgs, toConnection, toPage } from '../shared/connection';
import { isUuid } from '../shared/ids';
import { toPayload } from '../shared/payload';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, {
    nullable: true,
    description: 'An organization by id (every organization is visible to every key).',
  })
  organization(@Arg('id', () => ID, { description: 'Organization id.' }) id: string, @Ctx() ctx: Context) {
    return isUuid(id) ? ctx.loaders.organizationById.load(id) : null;
  }

  @Query(() => OrganizationConnection, { description: 'Organizations, by name.' })
  async organizations(
    @Arg('filter', () => OrganizationFilter, { nullable: true, description: 'Filters; all must hold.' }) filter:
      | OrganizationFilter
      | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(await listOrganizations(ctx, filter, page), page);
  }

  @Authorized(...SELLERS)
  @Mutation(() => CreateOrganizationPayload, { description: 'Creates an organization (operator only).' })
  createOrganization(@Arg('input') input: CreateOrganizationInput, @Ctx() ctx: Context) {
    return toPayload(() => createOrganization(ctx, input));
  }

  @Authorized(...SELLERS)
  @Mutation(() => UpdateOrganizationPayload, { description: 'Updates an organization (its ADMIN or the operator).' })
  updateOrganization(@Arg('input') input: UpdateOrganizationInput, @Ctx() ctx: Context) {
    return toPayload(() => updateOrganization(ctx, input));
  }

  @FieldResolver(() => String, { nullable: true, description: 'HHS region of the home state, e.g. `HHS-5`.' })
  hhsRegion(@Root() org: Organization) {
    return region(org.stateCode)?.hhsRegion ?? null;
  }

  @FieldResolver(() => EhrPlatform, {
    description: 'EHR platform the organization runs (see `ehrProduct` for the version).',
  })
  ehrPlatform(@Root() org: Organization) {
    return ehrPlatform(org.ehrPlatformCode);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The regional network it belongs to.' })
  network(@Root() org: Organization, @Ctx() ctx: Context) {
    return org.networkId ? ctx.loaders.organizationById.load(org.networkId) : null;
  }

  @FieldResolver(() => OrganizationConnection, { description: "A network's member organizations, by name." })
  async members(@Root() org: Organization, @Args() args: PageArgs, @Ctx() ctx: Context) {
    const page = toPage(args);
    return toConnection(await ctx.loaders.membersByNetwork.load({ parentId: org.id, ...page }), page);
  }
}
