// The HTTP application: Apollo Server at /graphql (and its WebSocket subscriptions); Express 5 for the
// explorer, health and metrics endpoints and the rest of /graphql. POST /graphql goes from the HTTP
// server to the GraphQL handler directly (graphql-http.ts).
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { jitGateway } from '../server/jit-executor';
import { buildAppSchema } from './schema';
import type { AppDeps, RequestContext } from '../access/context';
import { createContext, createLoaders, createViewerContext } from './context';
import { requestScope } from '../shared/request-scope';
import { databaseUnavailable, formatError, isDatabaseUnavailable } from '../server/errors';
import { persistedQueryCache } from '../server/apq-cache';
import { metrics, watchPool, type PoolLike } from '../shared/metrics';
import { createRateLimits } from '../server/rate-limit';
import { logRequests, requestFactsPlugin } from '../server/request-log';
import { trustProxy } from '../shared/client-ip';
import { chargeUnauthenticated, httpSecurity, queryGuard, queryLimits } from '../server/security';
import { inFlightRequests } from '../server/shutdown';
import { apolloHandler, isGraphqlPost, runMiddlewares, sendHttpError, type Middleware } from '../server/graphql-http';
import { explorerRouter } from '../explorer/explorer.router';
import { storeNamespace } from '../redis/shared-store';
import { liveSubscriptions } from '../server/subscriptions';
import { tracingOn, tracingPlugin } from '../shared/tracing';
import { recordWrite, rerunOnPrimary, routeReads } from './read-routing';

export interface RunningApp {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<RequestContext>;
}

/** Response headers every GraphQL response carries. */
const responseHeaders: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        const scope = requestScope.getStore();
        response.http.headers.set('cache-control', contextValue?.viewer ? 'private, no-store' : 'no-store');
        if (scope && contextValue?.deps?.config.SQL_COUNT_HEADER) {
          response.http.headers.set('x-sql-statements', String(scope.sqlStatements));
          if (contextValue.deps.replicas)
            response.http.headers.set('x-sql-replica-statements', String(scope.replicaStatements ?? 0));
        }
        // The database was unreachable: nothing committed, so tell clients to retry.
        if (
          response.body.kind === 'single' &&
          response.body.singleResult.errors?.some((e) => e.extensions?.retryable)
        ) {
          response.http.status = 503;
          response.http.headers.set('retry-after', '1');
        }
      },
    };
  },
};

/** With read replicas: where each operation reads (app/read-routing.ts), and each mutation's moment for read-your-writes. */
const readRouting = (namespace: string): ApolloServerPlugin<RequestContext> => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (!operation) return;
        const scope = requestScope.getStore();
        if (scope) scope.operation = operation.operation;
        await routeReads(contextValue, operation, namespace);
      },
      async willSendResponse({ operation, contextValue }) {
        if (operation?.operation === 'mutation') await recordWrite(contextValue, namespace);
      },
    };
  },
});

/** Keeps the DB pool gauges of /metrics fed while the server runs. */
const poolGauges = (deps: AppDeps): ApolloServerPlugin<RequestContext> => ({
  async serverWillStart() {
    const knex = deps.orm.em.getConnection().getKnex() as unknown as { client: { pool?: PoolLike } };
    const unwatch = watchPool(() => knex.client.pool);
    return { serverWillStop: async () => unwatch() };
  },
});

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T) =>
  Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

/** Fixed-length digest, so that comparing secrets in constant time does not reveal their length either. */
const digest = (s: string) => createHash('sha256').update(s).digest();

export async function createApp(deps: AppDeps): Promise<RunningApp> {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // GraphQL answers are private and POSTed: an ETag only costs a hash of the body
  const trust = trustProxy(config.TRUST_PROXY);
  app.set('trust proxy', trust);
  let graphqlPost: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined; // set below, once Apollo runs
  const httpServer = http.createServer((req, res) =>
    graphqlPost && isGraphqlPost(req) ? graphqlPost(req, res) : app(req, res),
  );
  const namespace = storeNamespace(deps.orm.config.getClientUrl(true));
  const limits = createRateLimits(config, deps.store, deps.log, namespace);
  const armor = queryLimits(config);
  const inFlight = inFlightRequests();
  const schema = await buildAppSchema();
  const live = await liveSubscriptions({
    httpServer,
    schema,
    deps,
    limits,
    validationRules: armor.validationRules,
    namespace,
    config,
    trust,
    createViewerContext,
    createLoaders,
  });
  const apollo = new ApolloServer<RequestContext>({
    gateway: jitGateway(schema), // compiled query execution; see jit-executor.ts
    ...armor,
    introspection: true, // for API keys only: queryGuard refuses it to anonymous requests
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false, // main.ts owns the signals and the shutdown order
    persistedQueries:
      deps.store.kind === 'redis'
        ? { cache: persistedQueryCache(deps.store, deps.log, namespace), ttl: 24 * 3600 }
        : {},
    formatError: formatError(deps.log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      inFlight.plugin,
      live.plugin, // WebSocket subscriptions on the same server
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(), // no per-field cache hints: responses are private
      ...armor.plugins,
      requestFactsPlugin,
      ...(tracingOn() ? [tracingPlugin() as ApolloServerPlugin<RequestContext>] : []), // a span per operation; nothing at all when tracing is off
      queryGuard(config, limits),
      poolGauges(deps),
      ...(deps.replicas ? [readRouting(namespace)] : []),
      responseHeaders,
    ],
  });
  await apollo.start();

  const security = httpSecurity(config) as unknown as Middleware[];
  const withRequestScope: Middleware = (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    requestScope.run({ requestId, sqlStatements: 0 }, next);
  };
  app.use(...(security as unknown as express.RequestHandler[]), withRequestScope as unknown as express.RequestHandler);

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const [database, redis] = await Promise.all([
      withTimeout(
        deps.orm.isConnected().catch(() => false),
        3000,
        false,
      ),
      deps.store.kind === 'redis' ? withTimeout(deps.store.ping(), 1000, false) : Promise.resolve(null),
    ]);
    const ready = database;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      database,
      redis: redis ?? 'not configured',
      degraded: redis === false,
    });
  });

  // In production /metrics exists only with METRICS_TOKEN; the token is compared in constant time.
  const metricsToken = config.METRICS_TOKEN ? digest(`Bearer ${config.METRICS_TOKEN}`) : null;
  app.get('/metrics', async (req, res, next) => {
    if (!metricsToken && config.NODE_ENV === 'production') return next(); // not found
    if (metricsToken && !timingSafeEqual(digest(req.headers.authorization ?? ''), metricsToken)) {
      res.status(401).json({ errors: [{ message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.' }] });
      return;
    }
    res.setHeader('content-type', metrics.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(await metrics.registry.metrics());
  });

  app.use(explorerRouter()); // GET /graphql from a browser, and its bundle under /explorer/

  const logRequest = logRequests(deps.log, trust);
  const runApollo = apolloHandler(
    apollo,
    () => rerunOnPrimary(deps),
    async (req) => {
      try {
        return await createContext(deps, {
          authorization: req.headers.authorization,
          requestId: requestScope.getStore()!.requestId,
        });
      } catch (e) {
        if ((e as { extensions?: { code?: unknown } }).extensions?.code === 'UNAUTHENTICATED')
          await chargeUnauthenticated(limits);
        throw isDatabaseUnavailable(e) ? databaseUnavailable() : e;
      }
    },
  );
  const graphql = (req: http.IncomingMessage, res: http.ServerResponse) => {
    logRequest(req, res);
    inFlight.run(res, () => runApollo(req, res)).catch((err: Error) => sendHttpError(res, err, deps.log));
  };
  app.use('/graphql', graphql);
  const beforeGraphql = [...security, withRequestScope]; // what Express runs before its /graphql mount
  graphqlPost = (req, res) =>
    runMiddlewares(
      beforeGraphql,
      req,
      res,
      () => graphql(req, res),
      (err) => sendHttpError(res, err as Error, deps.log),
    );

  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) =>
    sendHttpError(res, err, deps.log),
  );
  app.use((_req, res) => void res.status(404).json({ errors: [{ message: 'Not found. The API is at /graphql.' }] }));

  return { app, httpServer, apollo };
}
