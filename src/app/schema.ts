// The GraphQL schema: every module's resolvers, validated inputs, one auth checker.
import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { ArgumentValidationError, buildSchema } from 'type-graphql';
import { validateOrReject, type ValidatorOptions } from 'class-validator';
import { authChecker } from '../access/auth-checker';
import { ApiKeyFieldsResolver, ApiKeyResolver, ViewerResolver } from '../auth/api-key.resolver';
import { ReferenceResolver } from '../reference/reference.resolver';
import { OrganizationResolver } from '../organizations/organization.resolver';
import { OfferingResolver, OrganizationOfferingsResolver } from '../catalog/offering.resolver';
import { AuditResolver } from '../audit/audit.resolver';
import { CapacityResolver, OfferingCapacityResolver, PhasePolicyResolver } from '../capacity/capacity.resolver';
import { NeedResolver } from '../needs/need.resolver';
import { NeedQuotesResolver, QuoteResolver } from '../quotes/quote.resolver';
import { BaaSignatureResolver, EngagementResolver } from '../engagements/engagement.resolver';
import { MatchResolver } from '../matching/matching.resolver';
import { EventResolver } from '../events/event.resolver';
import { EventFeedResolver } from '../events/event-feed';
import { WebhookResolver } from '../webhooks/webhook.resolver';
import { INSIGHTS_RESOLVERS } from '../insights/insights.resolver';
import { DateTimeScalar } from '../shared/scalars';

let built: Promise<GraphQLSchema> | undefined;

const isObject = (value: unknown): value is object => value !== null && typeof value === 'object';
const VALIDATION: ValidatorOptions = { skipMissingProperties: true, forbidUnknownValues: false };

/**
 * Input objects (and lists of them) are checked by their class-validator decorators, as type-graphql's
 * `validate` option does, with class-validator imported once: that option `require`s it again for
 * every argument (module resolution on each request, ~0.03 ms of CPU).
 */
async function validateArg(arg: unknown): Promise<void> {
  try {
    if (Array.isArray(arg)) await Promise.all(arg.filter(isObject).map((item) => validateOrReject(item, VALIDATION)));
    else if (isObject(arg)) await validateOrReject(arg, VALIDATION);
  } catch (errors) {
    throw new ArgumentValidationError(errors as ConstructorParameters<typeof ArgumentValidationError>[0]);
  }
}

export function buildAppSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      ReferenceResolver,
      ApiKeyResolver,
      ViewerResolver,
      ApiKeyFieldsResolver,
      OrganizationResolver,
      OfferingResolver,
      OrganizationOfferingsResolver,
      AuditResolver,
      CapacityResolver,
      OfferingCapacityResolver,
      PhasePolicyResolver,
      NeedResolver,
      QuoteResolver,
      NeedQuotesResolver,
      EngagementResolver,
      BaaSignatureResolver,
      MatchResolver,
      EventResolver,
      WebhookResolver,
      ...INSIGHTS_RESOLVERS,
      EventFeedResolver,
    ],
    authChecker,
    validateFn: validateArg,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    orphanedTypes: [],
    // Every @Subscription brings its own `subscribe` (fed by the event hub); type-graphql still wants a pubSub.
    pubSub: {
      publish() {},
      subscribe() {
        throw new Error('Subscriptions supply their own subscribe function.');
      },
    },
  }).then((schema) => {
    schema.getQueryType()!.description = 'Reads. Every field needs an API key (`Authorization: Bearer <key>`).';
    schema.getMutationType()!.description =
      'Writes. Each takes one `input` and returns its object plus `userErrors`; on any userError nothing changed.';
    schema.getSubscriptionType()!.description =
      'Live events over WebSocket (graphql-ws protocol) at /graphql; send the API key in the connection_init payload.';
    return schema;
  });
  return built;
}

/** The SDL checked in at schema/schema.graphql (sorted, so it diffs cleanly). */
export async function printAppSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildAppSchema()))}\n`;
}
