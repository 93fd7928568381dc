import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Connection, PageArgs, toConnection, toPage } from '../shared/connection';
import { Organization } from '../organizations/organization.entity';
import { IsOptional, Length } from 'class-validator';
import { ApiKey } from './api-key.entity';
import { Role } from '../access/role';
import { Viewer } from '../access/viewer';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key.service';
import { SELLERS } from '../access/auth-checker';
import type { Context } from '../access/context';
import { UserError } from '../shared/errors';
import { Payload, toPayload } from '../shared/payload';

@InputType({ description: 'A new API key.' })
class CreateApiKeyInput {
  @Field(() => ID, { nullable: true, description: 'Organization of the key; null for OPERATOR keys (operator only).' })
  @IsOptional()
  organizationId?: string | null;

  @Field(() => Role, { description: 'Role of the key.' })
  role!: Role;

  @Field({ description: 'Label to recognize the key by (1-100 characters).' })
  @Length(1, 100)
  label!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Retry key: the same key and input return the key the first call created, without its secret (shown once: if that answer was lost, revoke the key and create another).',
  })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Result of `createApiKey`: the secret is shown here once and never again.',
})
class CreateApiKeyPayload {
  @Field(() => ApiKey, { nullable: true, description: 'The new key.' })
  apiKey!: ApiKey | null;

  @Field(() => String, {
    nullable: true,
    description: 'The secret to send as `Authorization: Bearer <secret>`. Store it now: it cannot be read again.',
  })
  secret!: string | null;

  @Field(() => [UserError], { description: 'Business-rule failures; empty on success.' })
  userErrors!: UserError[];
}

@InputType({ description: 'Names the API key to revoke.' })
class RevokeApiKeyInput {
  @Field(() => ID, { description: 'The key.' })
  id!: string;
}

const RevokeApiKeyPayload = Payload('RevokeApiKey', 'apiKey', ApiKey);
const ApiKeyConnection = Connection(ApiKey);

@Resolver()
export class ApiKeyResolver {
  @Authorized()
  @Query(() => Viewer, { description: 'The caller: API key, role and organization.' })
  viewer(@Ctx() ctx: Context): Viewer {
    return ctx.viewer;
  }

  @Authorized(...SELLERS)
  @Query(() => ApiKeyConnection, {
    description:
      "An organization's API keys, newest first (label, role, created, last used to the hour, revoked; never the secret or its hash): for its ADMIN keys and the operator. Another organization's keys read as an unknown id's: an empty list.",
  })
  async apiKeys(
    @Arg('organizationId', () => ID, {
      nullable: true,
      description: "The organization; omitted: the key's own (for the operator: the OPERATOR keys).",
    })
    organizationId: string | null | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const page = toPage(args);
    return toConnection(
      await listApiKeys(ctx, organizationId === undefined ? (ctx.viewer.organizationId ?? null) : organizationId, page),
      page,
    );
  }

  @Authorized(...SELLERS)
  @Mutation(() => CreateApiKeyPayload, {
    description: 'Creates an API key and shows its secret once. ADMIN for its organization; OPERATOR for any.',
  })
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreateApiKeyPayload> {
    return toPayload(
      () => createApiKey(ctx, input),
      (r, userErrors) => ({ apiKey: r?.key ?? null, secret: r?.secret ?? null, userErrors }),
    );
  }

  @Authorized(...SELLERS)
  @Mutation(() => RevokeApiKeyPayload, {
    description: 'Revokes an API key; it stops working on every instance within one second.',
  })
  revokeApiKey(@Arg('input') input: RevokeApiKeyInput, @Ctx() ctx: Context) {
    return toPayload(() => revokeApiKey(ctx, input.id));
  }
}

@Resolver(() => Viewer)
export class ViewerResolver {
  @FieldResolver(() => Organization, {
    nullable: true,
    description: 'Organization of the key (null for operator keys).',
  })
  organization(@Root() viewer: Viewer, @Ctx() ctx: Context) {
    return viewer.organizationId ? ctx.loaders.organizationById.load(viewer.organizationId) : null;
  }
}

@Resolver(() => ApiKey)
export class ApiKeyFieldsResolver {
  @FieldResolver(() => Organization, {
    nullable: true,
    description: 'Organization of the key (null for operator keys).',
  })
  organization(@Root() key: ApiKey, @Ctx() ctx: Context) {
    return key.organizationId ? ctx.loaders.organizationById.load(key.organizationId) : null;
  }
}
