// Graceful shutdown of GraphQL requests. Apollo's drain plugin closes the listener and idle sockets,
// but a request already queued on a socket it half-closes can still be read and run after the drain
// ends, i.e. after the pools are closed, with nobody left to answer. So once stopping starts, nothing
// new starts (503, Connection: close), and the drain waits until every started request has answered.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../shared/context';

export function inFlightRequests() {
  let running = 0;
  let stopping = false;
  let onIdle: (() => void) | undefined;
  const finished = () => {
    if (--running === 0) onIdle?.();
  };

  return {
    /** Runs the body parser then the GraphQL handler, counting the request until it has answered. */
    handler(parseBody: RequestHandler, graphql: RequestHandler): RequestHandler {
      return (req: Request, res: Response, next: NextFunction) => {
        if (stopping) {
          res.setHeader('connection', 'close');
          res.setHeader('retry-after', '1');
          res.status(503).json({ errors: [{ message: 'The server is shutting down: retry the request.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
          return;
        }
        running++;
        void parseBody(req, res, (err?: unknown) => {
          if (err) {
            finished();
            return next(err);
          }
          Promise.resolve(graphql(req, res, next)).then(finished, (e: unknown) => {
            finished();
            next(e);
          });
        });
      };
    },
    /** Apollo plugin: during the drain, refuse new requests and wait for the running ones. */
    plugin: {
      async serverWillStart() {
        return {
          async drainServer() {
            stopping = true;
            if (running > 0) await new Promise<void>((resolve) => (onIdle = resolve));
          },
        };
      },
    } satisfies ApolloServerPlugin<Context>,
  };
}
