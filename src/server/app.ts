// The HTTP application: Express 5 with Apollo Server at /graphql and the health endpoints.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildAppSchema } from '../schema';
import { createContext, type AppDeps, type Context } from '../shared/context';
import { requestScope } from '../shared/request-scope';
import { formatError } from './errors';

const BODY_LIMIT = '1mb';

export interface RunningApp {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
}

/** Response headers every GraphQL response carries. */
const responseHeaders: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        const scope = requestScope.getStore();
        response.http.headers.set('cache-control', contextValue?.viewer ? 'private, no-store' : 'no-store');
        if (scope && contextValue?.deps?.config.NODE_ENV !== 'production') {
          response.http.headers.set('x-sql-statements', String(scope.sqlStatements));
        }
      },
    };
  },
};

export async function createApp(deps: AppDeps): Promise<RunningApp> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: await buildAppSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    formatError: formatError(deps.log),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), responseHeaders],
  });
  await apollo.start();

  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.header('x-request-id');
    const requestId = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    requestScope.run({ requestId, sqlStatements: 0 }, next);
  });

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const [database, redis] = await Promise.all([
      deps.orm.isConnected().catch(() => false),
      deps.store.kind === 'redis' ? deps.store.ping() : Promise.resolve(null),
    ]);
    const ready = database;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', database, redis: redis ?? 'not configured', degraded: redis === false });
  });

  app.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext(deps, { authorization: req.headers.authorization, requestId: requestScope.getStore()!.requestId }),
    }),
  );

  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) deps.log.error({ err, requestId: requestScope.getStore()?.requestId }, 'unhandled HTTP error');
    const message = status === 413 ? `Request body larger than ${BODY_LIMIT}.` : status === 500 ? 'Internal server error.' : 'Malformed request.';
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });
  app.use((_req, res) => void res.status(404).json({ errors: [{ message: 'Not found. The API is at /graphql.' }] }));

  return { app, httpServer, apollo };
}
