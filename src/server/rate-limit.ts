// Rate limits (rate-limiter-flexible) in points per minute: per API key, and per client IP for requests
// without a valid key. Shared across instances through Redis when configured; while Redis is
// unreachable an in-memory insurance limiter takes over (per instance), so requests never fail for it.
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { SharedStore } from '../redis/shared-store';
import { metrics } from '../shared/metrics';

export type LimitScope = 'key' | 'ip';

export interface RateLimits {
  /** Consumes points; throws a RATE_LIMITED error (HTTP 429 with Retry-After) when over the limit. */
  consume(scope: LimitScope, id: string, points: number): Promise<void>;
}

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many requests: retry after ${retryAfterSeconds} s.`, {
    extensions: {
      code: 'RATE_LIMITED',
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

function limiter(points: number, keyPrefix: string, store: SharedStore): RateLimiterAbstract | null {
  if (points === 0) return null;
  const options = { points, duration: 60, keyPrefix };
  if (!store.client) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    storeClient: store.client,
    useRedisPackage: true,
    rejectIfRedisNotReady: true, // go to the insurance limiter at once instead of waiting on a dead connection
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

export function createRateLimits(config: Config, store: SharedStore, log: Logger, namespace: string): RateLimits {
  const limiters: Record<LimitScope, RateLimiterAbstract | null> = {
    key: limiter(config.RATE_LIMIT_PER_MINUTE, `${namespace}:rl:key`, store),
    ip: limiter(config.RATE_LIMIT_IP_PER_MINUTE, `${namespace}:rl:ip`, store),
  };
  return {
    async consume(scope, id, points) {
      const l = limiters[scope];
      if (!l) return;
      try {
        await l.consume(id, Math.max(1, Math.ceil(points)));
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) {
          // Only reachable if the insurance limiter itself failed: let the request through.
          log.warn({ err: e, scope }, 'rate limiter unavailable');
          return;
        }
        metrics.rateLimited.inc({ scope });
        throw rateLimited(Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
      }
    },
  };
}
