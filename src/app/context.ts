// Builds the per-request context, in one place for the server and the tests: a forked
// EntityManager, the viewer, the DataLoaders every module registers here, and the one hook a lower
// module calls up through (a need's changes close its quotes).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Viewer } from '../access/viewer';
import { authenticate } from '../auth/api-key.service';
import { unauthenticated } from '../shared/errors';
import type { AppDeps, Context, Loaders, RequestContext } from '../access/context';
import { createOrganizationLoaders } from '../organizations/organization.loader';
import { createOfferingLoaders } from '../catalog/offering.loader';
import { createCapacityLoaders } from '../capacity/capacity.loader';
import { createNeedLoaders } from '../needs/need.loader';
import { registerCloseQuotesOfNeed } from '../needs/need.service';
import { closeQuotesOfNeed } from '../quotes/quote.ledger';
import { createQuoteLoaders } from '../quotes/quote.loader';
import { createEngagementLoaders } from '../engagements/engagement.loader';
import { createScorecardLoader } from '../insights/buyer-views';

// Quotes sit above needs: a need's changes close its quotes through this (needs/need.service.ts).
registerCloseQuotesOfNeed(closeQuotesOfNeed);

export const createLoaders = (em: EntityManager): Loaders => ({
  ...createOrganizationLoaders(em),
  ...createOfferingLoaders(em),
  ...createCapacityLoaders(em),
  ...createNeedLoaders(em),
  ...createQuoteLoaders(em),
  ...createEngagementLoaders(em),
  scorecardFacts: createScorecardLoader(em),
});

/** Reads `Authorization: Bearer <key>`; a header that is present but wrong is refused outright. */
export async function createContext(
  deps: AppDeps,
  req: { authorization?: string; requestId: string },
): Promise<RequestContext> {
  const em = deps.orm.em.fork();
  let viewer: Viewer | null = null;
  if (req.authorization) {
    const m = /^Bearer\s+(\S{1,200})$/i.exec(req.authorization.trim());
    if (!m) throw unauthenticated('The Authorization header must be "Bearer <api key>".');
    viewer = await authenticate(em, m[1]);
    if (!viewer) throw unauthenticated('The API key is not valid or has been revoked.');
  }
  return new LazyRequestContext(req.requestId, em, viewer, deps);
}

/** A context for a request that must carry a valid key (a subscription): it has a viewer, or UNAUTHENTICATED is thrown. */
export async function createViewerContext(
  deps: AppDeps,
  req: { authorization: string; requestId: string },
): Promise<Context> {
  const ctx = await createContext(deps, req);
  const { viewer } = ctx;
  if (!viewer) throw unauthenticated();
  return Object.assign(ctx, { viewer });
}

/**
 * Loaders and the request's logger are made on first use: most mutations need neither. The lazy
 * getters live on the prototype, so the shallow copy Apollo Server makes of every context
 * (`Object.assign` onto an object of the same prototype) keeps them lazy; as own getters, the copy
 * ran them, building every loader and a child logger for each request.
 */
class LazyRequestContext implements RequestContext {
  private lazyLoaders?: Loaders;
  private lazyLog?: Logger;

  constructor(
    public requestId: string,
    public em: EntityManager,
    public viewer: Viewer | null,
    public deps: AppDeps,
  ) {}

  get loaders(): Loaders {
    return (this.lazyLoaders ??= createLoaders(this.em));
  }

  set loaders(value: Loaders) {
    this.lazyLoaders = value;
  }

  get log(): Logger {
    return (this.lazyLog ??= this.deps.log.child({ requestId: this.requestId, apiKeyId: this.viewer?.apiKeyId }));
  }

  set log(value: Logger) {
    this.lazyLog = value;
  }
}
