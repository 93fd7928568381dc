// Graceful shutdown of GraphQL requests. Apollo's drain plugin closes the listener and idle sockets,
// but a request already queued on a socket it half-closes can still be read and run after the drain
// ends, i.e. after the pools are closed, with nobody left to answer. So once stopping starts, nothing
// new starts (503, Connection: close), and the drain waits until every started request has answered.
import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../access/context';
import { sendJson } from './graphql-http';

export function inFlightRequests() {
  let running = 0;
  let stopping = false;
  let onIdle: (() => void) | undefined;
  const finished = () => {
    if (--running === 0) onIdle?.();
  };

  return {
    /** Runs a GraphQL request, counted until it has answered; once stopping starts, answers 503 instead. */
    async run(res: ServerResponse, request: () => Promise<void>): Promise<void> {
      if (stopping) {
        res.setHeader('connection', 'close');
        res.setHeader('retry-after', '1');
        sendJson(res, 503, {
          errors: [
            {
              message: 'The server is shutting down: retry the request.',
              extensions: { code: 'INTERNAL_SERVER_ERROR' },
            },
          ],
        });
        return;
      }
      running++;
      try {
        await request();
      } finally {
        finished();
      }
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
    } satisfies ApolloServerPlugin<RequestContext>,
  };
}
