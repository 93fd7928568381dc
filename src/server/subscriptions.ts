// GraphQL subscriptions over WebSocket (graphql-ws protocol) on the API's own HTTP server, at /graphql.
// The API key comes in the connection_init payload; a connection without a valid one is closed with
// 4401. Only subscription operations run here (queries and mutations go to POST /graphql, with its
// rate limits, logging and graceful shutdown); each one is validated with the same limits as HTTP
// (depth, aliases, tokens), with a lower cost ceiling (its selection runs once per event), and charged
// to the key's rate limit when it starts and again for every event it delivers (the event's cost).
// A key and a client IP may each hold a bounded number of subscriptions open (per instance).
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { WebSocketServer } from 'ws';
import {
  GraphQLError,
  Kind,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type * as GraphqlWsForWs from 'graphql-ws/dist/use/ws';
import type { Config } from '../config';
import type { AppDeps, Context, Loaders, RequestContext } from '../access/context';
import { EventHub } from '../events/event-hub';
import { eventsChannel } from '../events/event-catalog';
import type { ExchangeEvent } from '../events/event-catalog';
import type { LiveContext } from '../events/event.service';
import type { RateLimits } from './rate-limit';
import { formatError } from './errors';
import { costPoints, operationCost } from './query-cost';
import { clientIp, type TrustProxy } from '../shared/client-ip';

// graphql-ws publishes its ws adapter as a subpath export, which this project's TypeScript module
// resolution ("node") cannot see; Node's require does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as typeof GraphqlWsForWs;

const PATH = '/graphql';
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 25;

/** WebSocket close codes sent to clients. */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_RATE_LIMITED = 4429;

interface Connection {
  authorization: string;
  ip: string;
}

/** One live subscription: whom it is charged to and what each event costs. */
interface Live {
  apiKeyId: string;
  ip: string;
  points: number;
}

/** Open subscriptions of this instance, counted per key and per IP. */
class OpenSubscriptions {
  private readonly byId = new Map<string, Live>();
  private readonly counts = new Map<string, number>();
  count = (kind: 'key' | 'ip', id: string) => this.counts.get(`${kind}:${id}`) ?? 0;
  get = (id: string) => this.byId.get(id);
  add(id: string, live: Live) {
    this.byId.set(id, live);
    for (const k of [`key:${live.apiKeyId}`, `ip:${live.ip}`]) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
  remove(id: string) {
    const live = this.byId.get(id);
    if (!live) return;
    this.byId.delete(id);
    for (const k of [`key:${live.apiKeyId}`, `ip:${live.ip}`]) {
      const n = (this.counts.get(k) ?? 1) - 1;
      if (n > 0) this.counts.set(k, n);
      else this.counts.delete(k);
    }
  }
}

const codeOf = (e: unknown) => (e as { extensions?: { code?: unknown } })?.extensions?.code;

/** Accepts `{ authorization: "Bearer <key>" }` (any case) or `{ apiKey: "<key>" }`. */
function authorizationFrom(params: Record<string, unknown> | undefined): string | null {
  if (!params) return null;
  const header = Object.entries(params).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  if (typeof header === 'string' && header.trim()) return header;
  return typeof params.apiKey === 'string' && params.apiKey.trim() ? `Bearer ${params.apiKey.trim()}` : null;
}

const malformed = (e: GraphQLError) =>
  new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    extensions: { code: 'BAD_USER_INPUT' },
  });

export interface LiveSubscriptions {
  /**
   * Apollo plugin: refuses subscriptions sent over HTTP; on drain, refuses new connections, closes
   * open ones (1001) and leaves the bus.
   */
  plugin: ApolloServerPlugin<RequestContext>;
}

const overHttp = () =>
  new GraphQLError(
    'Subscriptions run over WebSocket at /graphql (graphql-ws protocol); send the API key in connection_init.',
    {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    },
  );

export async function liveSubscriptions(opts: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  deps: AppDeps;
  limits: RateLimits;
  validationRules: ValidationRule[];
  namespace: string;
  config: Config;
  /** Builds a request's context for a key, or throws UNAUTHENTICATED (app/context.ts: createViewerContext). */
  createViewerContext: (deps: AppDeps, req: { authorization: string; requestId: string }) => Promise<Context>;
  /** Every module's loaders on a unit of work (app/context.ts: createLoaders). */
  createLoaders: (em: EntityManager) => Loaders;
  /** Proxies whose forwarded client address counts (TRUST_PROXY), as over HTTP. */
  trust: TrustProxy;
}): Promise<LiveSubscriptions> {
  const { httpServer, schema, deps, limits, config, createViewerContext, createLoaders } = opts;
  const hub = await EventHub.start(deps.store, eventsChannel(opts.namespace), deps.log);
  const rules = [...specifiedRules, ...opts.validationRules];
  const format = formatError(deps.log);
  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => format(e.toJSON(), e));
  const connections = new WeakMap<object, Connection>();
  const open = new OpenSubscriptions();
  const connectionIds = new WeakMap<object, string>();
  const subscriptionId = (ctx: object, id: string) => {
    let c = connectionIds.get(ctx);
    if (!c) connectionIds.set(ctx, (c = randomUUID()));
    return `${c}:${id}`;
  };
  const tooMany = (what: string, limit: number) =>
    new GraphQLError(`Too many open subscriptions for this ${what} (at most ${limit}): complete some first.`, {
      extensions: { code: 'RATE_LIMITED' },
    });
  let stopping = false;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  httpServer.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== PATH || stopping) {
      socket.end(
        `HTTP/1.1 ${stopping ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  // The loaders every subscriber of this instance reads one event's objects through. Loaders are
  // the same for every viewer (each service applies the viewer's access to what they return, as
  // findNeed does with canSeeNeed), so 50 subscribers told of one new need read it with one
  // statement, not 50; the event object is shared by every listener, and the loaders go with it.
  const eventLoaders = new WeakMap<ExchangeEvent, Loaders>();
  const loadersFor = (event: ExchangeEvent) => {
    let loaders = eventLoaders.get(event);
    if (!loaders) eventLoaders.set(event, (loaders = createLoaders(deps.orm.em.fork())));
    return loaders;
  };

  /** A request context for one subscription, renewed (fresh unit of work, key checked again) per event. */
  const liveContext = (
    base: Context,
    connection: Connection,
    close: (code: number, reason: string) => void,
  ): LiveContext => {
    const live: LiveContext = Object.assign(base, {
      events: hub,
      async renew(event: ExchangeEvent) {
        try {
          const fresh = await createViewerContext(deps, {
            authorization: connection.authorization,
            requestId: randomUUID(),
          });
          Object.assign(live, {
            em: fresh.em,
            loaders: loadersFor(event),
            viewer: fresh.viewer,
            requestId: fresh.requestId,
            log: fresh.log,
          });
          return true;
        } catch (e) {
          if (codeOf(e) !== 'UNAUTHENTICATED') throw e;
          close(CLOSE_UNAUTHENTICATED, 'The API key is not valid or has been revoked.');
          return false;
        }
      },
    });
    return live;
  };

  const server = useServer(
    {
      schema,
      isProd: config.NODE_ENV === 'production',
      connectionInitWaitTimeout: 5000,
      async onConnect(ctx) {
        const socket = ctx.extra.socket;
        const ip = clientIp(ctx.extra.request, opts.trust);
        const authorization = authorizationFrom(ctx.connectionParams);
        try {
          if (authorization) {
            const { viewer } = await createViewerContext(deps, { authorization, requestId: randomUUID() });
            connections.set(ctx, { authorization, ip });
            return { role: viewer.role };
          }
        } catch (e) {
          if (codeOf(e) !== 'UNAUTHENTICATED') throw e;
        }
        try {
          await limits.consume('ip', ip, 1); // guessing keys costs, as over HTTP
        } catch {
          socket.close(CLOSE_RATE_LIMITED, 'Too many requests: retry later.');
          return false;
        }
        socket.close(
          CLOSE_UNAUTHENTICATED,
          authorization
            ? 'The API key is not valid or has been revoked.'
            : 'Send { "authorization": "Bearer <api key>" } in connection_init.',
        );
        return false;
      },
      async onSubscribe(ctx, _id, payload) {
        const connection = connections.get(ctx)!;
        const close = (code: number, reason: string) => ctx.extra.socket.close(code, reason);
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection.`, {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ];
        }
        let base: Context;
        try {
          base = await createViewerContext(deps, { authorization: connection.authorization, requestId: randomUUID() });
          await limits.consume('key', base.viewer.apiKeyId, 1);
        } catch (e) {
          if (codeOf(e) === 'UNAUTHENTICATED')
            close(CLOSE_UNAUTHENTICATED, 'The API key is not valid or has been revoked.');
          if (e instanceof GraphQLError) return [e];
          throw e;
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: config.QUERY_MAX_TOKENS });
        } catch (e) {
          return [malformed(e as GraphQLError)];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors.map(malformed);
        const operation = getOperationAST(document, payload.operationName);
        if (!operation)
          return [
            new GraphQLError('Name the operation to run (operationName).', { extensions: { code: 'BAD_USER_INPUT' } }),
          ];
        if (operation.operation !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions run over WebSocket; send queries and mutations to POST /graphql.', {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ];
        }
        const fragments: Record<string, FragmentDefinitionNode> = {};
        for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
        const cost = operationCost({ schema, operation, fragments, variables: payload.variables ?? {} });
        if (cost > config.SUBSCRIPTION_MAX_COST) {
          return [
            new GraphQLError('Subscription is too expensive: select smaller pages (first) or fewer nested lists.', {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ];
        }
        const apiKeyId = base.viewer.apiKeyId;
        if (open.count('key', apiKeyId) >= config.SUBSCRIPTIONS_PER_KEY)
          return [tooMany('API key', config.SUBSCRIPTIONS_PER_KEY)];
        if (open.count('ip', connection.ip) >= config.SUBSCRIPTIONS_PER_IP)
          return [tooMany('client address', config.SUBSCRIPTIONS_PER_IP)];
        open.add(subscriptionId(ctx, _id), { apiKeyId, ip: connection.ip, points: costPoints(cost) });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: liveContext(base, connection, close),
        };
      },
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      // Every delivered event is charged like a query of the subscription's cost.
      onNext: async (ctx, id, _payload, _args, result) => {
        const live = open.get(subscriptionId(ctx, id));
        if (live) {
          try {
            await limits.consume('key', live.apiKeyId, live.points);
          } catch (e) {
            if (codeOf(e) !== 'RATE_LIMITED') throw e;
            ctx.extra.socket.close(
              CLOSE_RATE_LIMITED,
              'Too many requests: events exceed the rate limit; subscribe again later.',
            );
            return undefined;
          }
        }
        return result.errors ? { ...result, errors: formatAll(result.errors) } : undefined;
      },
      onComplete: (ctx, id) => open.remove(subscriptionId(ctx, id)),
    },
    wss,
  );

  return {
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ operation }) {
            if (operation?.operation === 'subscription') throw overHttp();
          },
        };
      },
      async serverWillStart() {
        return {
          async drainServer() {
            stopping = true;
            await server.dispose();
            await hub.stop();
          },
        };
      },
    },
  };
}
