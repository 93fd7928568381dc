// The GraphQL schema: every module's resolvers, validated inputs, one auth checker.
import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth/auth-checker';
import { ApiKeyFieldsResolver, ApiKeyResolver, ViewerResolver } from './auth/api-key.resolver';
import { ReferenceResolver } from './reference/reference.resolver';
import { OrganizationResolver } from './organizations/organization.resolver';
import { OfferingResolver } from './catalog/offering.resolver';
import { AuditResolver } from './audit/audit.resolver';
import { CapacityResolver, OfferingCapacityResolver, PhasePolicyResolver } from './capacity/capacity.resolver';
import { NeedResolver } from './needs/need.resolver';
import { QuoteResolver } from './quotes/quote.resolver';
import { EngagementResolver } from './engagements/engagement.resolver';
import { MatchResolver } from './matching/matching.resolver';
import { DateTimeScalar } from './shared/scalars';

let built: Promise<GraphQLSchema> | undefined;

export function buildAppSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [ReferenceResolver, ApiKeyResolver, ViewerResolver, ApiKeyFieldsResolver, OrganizationResolver, OfferingResolver, AuditResolver, CapacityResolver, OfferingCapacityResolver, PhasePolicyResolver,
      NeedResolver, QuoteResolver, EngagementResolver, MatchResolver],
    authChecker,
    validate: { forbidUnknownValues: false },
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    orphanedTypes: [],
  }).then((schema) => {
    schema.getQueryType()!.description = 'Reads. Every field needs an API key (`Authorization: Bearer <key>`).';
    schema.getMutationType()!.description = 'Writes. Each takes one `input` and returns its object plus `userErrors`; on any userError nothing changed.';
    return schema;
  });
  return built;
}

/** The SDL checked in at schema/schema.graphql (sorted, so it diffs cleanly). */
export async function printAppSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildAppSchema())) + '\n';
}
