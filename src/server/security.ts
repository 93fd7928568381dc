// Abuse limits: graphql-armor (depth, aliases, directives), graphql-js (tokens,
// introspection depth), anonymous introspection refused, page-size aware cost cap, rate limits; HTTP headers and CORS.
import {
  GraphQLError,
  Kind,
  MaxIntrospectionDepthRule,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type ValidationRule,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import helmet from 'helmet';
import cors from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import type { RequestContext } from '../access/context';
import { unauthenticated } from '../shared/errors';
import { costPoints, operationCost } from './query-cost';
import type { RateLimits } from './rate-limit';
import { requestFacts } from './request-log';

/** Apollo options from graphql-armor plus graphql-js's token and introspection depth limits. Limits are never revealed. */
export function queryLimits(config: Config) {
  const armor = new ApolloArmor({
    maxDepth: { n: config.QUERY_MAX_DEPTH, exposeLimits: false, errorMessage: 'Query is nested too deeply.' },
    maxAliases: {
      n: config.QUERY_MAX_ALIASES,
      allowList: [],
      exposeLimits: false,
      errorMessage: 'Query uses too many aliases.',
    },
    // armor's token plugin throws from a hook Apollo 5 answers with a 500; graphql-js's parser limit gives a 400.
    maxTokens: { enabled: false },
    maxDirectives: {
      n: config.QUERY_MAX_DIRECTIVES,
      exposeLimits: false,
      errorMessage: 'Query uses too many directives.',
    },
    // Suggestions are removed from every message by formatError (errors.ts), also from enum and input ones.
    blockFieldSuggestion: { enabled: false },
    // armor's cost rule only sees literal page sizes; queryGuard's cost also reads variables and defaults.
    costLimit: { enabled: false },
  });
  const { plugins, validationRules, ...options } = armor.protect();
  return {
    ...options,
    plugins,
    validationRules: [...validationRules, MaxIntrospectionDepthRule] as ValidationRule[],
    parseOptions: { maxTokens: config.QUERY_MAX_TOKENS },
  };
}

const usesIntrospection = (document: DocumentNode) => {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
};

const tooExpensive = () =>
  new GraphQLError('Query is too expensive: ask for smaller pages (first) or fewer nested lists.', {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });

const noSuchOperation = (name: string | null | undefined) =>
  new GraphQLError(
    name
      ? `The document has no operation named ${JSON.stringify(name.slice(0, 60))}.`
      : 'The document has several operations: name the one to run (operationName).',
    { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
  );

/**
 * Where an operation carries U+0000 (NUL) in a string, variables first (`$input.name`), then the
 * document's literals: PostgreSQL text cannot hold it, so it is refused before anything runs.
 */
function nulCharacterAt(document: DocumentNode, variables: Record<string, unknown>): string | null {
  const inValue = (value: unknown, path: string): string | null => {
    if (typeof value === 'string') return value.includes('\u0000') ? path : null;
    if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) {
        const at = inValue(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
        if (at) return at;
      }
    return null;
  };
  for (const [name, value] of Object.entries(variables)) {
    const at = inValue(value, `$${name}`);
    if (at) return at;
  }
  let literal: string | null = null;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) literal ??= `a string literal at line ${node.loc?.startToken.line ?? '?'}`;
    },
  });
  return literal;
}

const nulCharacter = (at: string) =>
  new GraphQLError(`Text may not contain the NUL character (U+0000): ${at}.`, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });

/**
 * Per operation, once it is parsed and validated: the operation is charged to the key's (or,
 * without a key, the client IP's) rate limit, every operation needs a key, and the cost is capped.
 * This is the one authentication check of queries and mutations, so field resolvers run without a
 * per-field check (resolvers restricted to some roles carry `@Authorized(...roles)`; subscriptions
 * are authenticated when their WebSocket connects).
 */
export function queryGuard(config: Config, limits: RateLimits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request, schema }) {
          const viewer = contextValue.viewer;
          if (!viewer && usesIntrospection(document)) throw unauthenticated('Introspection requires an API key.');
          if (!operation) {
            // Several operations and no operationName, or a name the document lacks: a client error.
            const facts = requestFacts();
            if (viewer) await limits.consume('key', viewer.apiKeyId, 1);
            else if (facts) await limits.consume('ip', facts.ip, 1);
            if (!viewer) throw unauthenticated();
            throw noSuchOperation(request.operationName);
          }
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          const cost = operationCost({ schema, operation, fragments, variables: request.variables ?? {} });
          const facts = requestFacts();
          if (facts) facts.cost = cost;
          // Charge before refusing, so that a flood of refused queries is limited too.
          const points = costPoints(Math.min(cost, config.QUERY_MAX_COST));
          if (viewer) await limits.consume('key', viewer.apiKeyId, points);
          else if (facts) await limits.consume('ip', facts.ip, points);
          if (!viewer) throw unauthenticated();
          if (cost > config.QUERY_MAX_COST) throw tooExpensive();
          const nul = nulCharacterAt(document, request.variables ?? {});
          if (nul) throw nulCharacter(nul);
        },
      };
    },
  };
}

/** Requests without a valid key are charged to the client IP (guessing keys costs too). */
export async function chargeUnauthenticated(limits: RateLimits): Promise<void> {
  const facts = requestFacts();
  if (facts) await limits.consume('ip', facts.ip, 1);
}

/** Security headers (helmet) and CORS for the allow-listed origins only. */
export function httpSecurity(config: Config): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        // The explorer loads its scripts, styles, fonts and web workers from /explorer/*: nothing inline, no CDN.
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          workerSrc: ["'self'"],
          fontSrc: ["'self'", 'data:'],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
    cors({
      origin: config.CORS_ORIGINS,
      methods: ['GET', 'POST'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'accept',
        'x-request-id',
        'apollo-require-preflight',
        'x-apollo-operation-name',
      ],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    }),
  ];
}
