// The GraphQL endpoint on plain node:http: reads the JSON body, runs Apollo, writes its answer.
// POST /graphql (every client's request) reaches it straight from the HTTP server, after the same
// security headers and request scope as Express applies; Express mounts it for the rest of /graphql
// (GET queries, preflights are Express's). Express's router, request/response decoration and
// body-parser chain cost about 0.2 ms of CPU per request, 7% of a mutation's cost in the API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { RequestContext } from '../access/context';
import { requestScope } from '../shared/request-scope';
import { noteErrorCodes } from './request-log';

const BODY_LIMIT_BYTES = 1024 * 1024;
const tooLarge = () => new HttpError(413, 'Request body larger than 1mb.');

/** A connect-style middleware (Express's, helmet's and cors's have this shape). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** An error answered with its HTTP status (body too large, malformed JSON...). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answers `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Answers an error raised before or around Apollo: 4xx with its message, anything else as a logged 500. */
export function sendHttpError(res: ServerResponse, err: Error & { status?: number }, log: Logger): void {
  const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) log.error({ err, requestId: requestScope.getStore()?.requestId }, 'unhandled HTTP error');
  const message =
    err instanceof HttpError ? err.message : status === 500 ? 'Internal server error.' : 'Malformed request.';
  const errors = [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }];
  noteErrorCodes(errors);
  if (res.headersSent) return void res.destroy();
  if (status === 413) res.setHeader('connection', 'close'); // the rest of the body is not read
  sendJson(res, status, { errors });
}

/** Runs connect-style middlewares in order, then `done` (or `fail` with the first error passed on). */
export function runMiddlewares(
  middlewares: Middleware[],
  req: IncomingMessage,
  res: ServerResponse,
  done: () => void,
  fail: (err: unknown) => void,
): void {
  let i = 0;
  const next = (err?: unknown) => {
    if (err) fail(err);
    else if (i < middlewares.length) middlewares[i++](req, res, next);
    else done();
  };
  next();
}

/**
 * The body as parsed JSON when Content-Type is JSON (else undefined: Apollo answers that), inflated
 * when gzip or deflate, at most BODY_LIMIT_BYTES once inflated; an empty body is `{}`.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    req.resume();
    return Promise.resolve(undefined);
  }
  if (Number(req.headers['content-length']) > BODY_LIMIT_BYTES) return Promise.reject(tooLarge());
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const inflate = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : null;
  if (!inflate && encoding !== 'identity')
    return Promise.reject(new HttpError(415, `Unsupported Content-Encoding "${encoding}".`));
  const stream = inflate ? req.pipe(inflate) : req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        stream.removeAllListeners('data');
        if (inflate) {
          req.unpipe(inflate); // stop inflating (a small gzip body can inflate to gigabytes)
          inflate.destroy();
        }
        req.resume(); // the rest is read and dropped; the 413 closes the connection
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    stream.once('error', () => reject(new HttpError(400, 'Malformed request.')));
    // A client gone before the end of its body: settle, so the request stops counting as in flight.
    req.once('close', () => {
      if (!req.complete) reject(new HttpError(400, 'Request aborted.'));
    });
    stream.once('end', () => {
      if (size > BODY_LIMIT_BYTES) return;
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      if (!text.trim()) return resolve({});
      try {
        const body: unknown = JSON.parse(text);
        if (typeof body !== 'object' || body === null) throw new Error('not an object');
        resolve(body);
      } catch {
        reject(new HttpError(400, 'Malformed request.'));
      }
    });
  });
}

/**
 * Runs one HTTP request through Apollo and writes its answer. After an answer of 503 (database
 * unavailable), `again()` may ask for one more run (a query that read a replica now gone: read-routing.ts).
 */
export function apolloHandler(
  apollo: ApolloServer<RequestContext>,
  again: () => boolean,
  context: (req: IncomingMessage) => Promise<RequestContext>,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJsonBody(req);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const run = () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: (req.method ?? 'GET').toUpperCase(),
          headers,
          search: query < 0 ? '' : url.slice(query),
          body,
        },
        context: () => context(req),
      });
    let response = await run();
    if (response.status === 503 && again()) response = await run();
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/** POST /graphql, with or without a query string: the requests the HTTP server hands to GraphQL directly. */
export const isGraphqlPost = (req: IncomingMessage): boolean =>
  req.method === 'POST' && (req.url === '/graphql' || !!req.url?.startsWith('/graphql?'));
