// What every module sees of a request (`Context`) and of the running instance (`AppDeps`). Built by
// the wiring layer (src/app/context.ts), which also registers each module's loaders.
import type { MikroORM, EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { SharedStore } from '../redis/shared-store';
import type { ReplicaSet } from '../db/replicas';
import type { Viewer } from './viewer';

/** Long-lived parts of a running API instance. */
export interface AppDeps {
  config: Config;
  orm: MikroORM;
  store: SharedStore;
  log: Logger;
  /** Read replicas (DATABASE_REPLICA_URLS), when configured: app/read-routing.ts decides who reads them. */
  replicas?: ReplicaSet;
}

/** The request's DataLoaders: each module adds its own to this interface (`declare module`) beside its loader file. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface Loaders {}

/** Who acts: a request's viewer, or none for the system's own work (the sweeper). */
export interface Actor {
  viewer: Viewer | null;
  requestId: string;
}

/** A request as the server builds it, before the guard: an anonymous request has no viewer. */
export interface RequestContext extends Actor {
  /** The request's database: the primary, or a read replica for a lag-tolerant query operation (app/read-routing.ts). */
  em: EntityManager;
  loaders: Loaders;
  deps: AppDeps;
  log: Logger;
}

/**
 * What resolvers and services see. queryGuard (src/server/security.ts) refuses every operation
 * without a valid API key before any resolver runs, so behind it there is always a viewer.
 */
export interface Context extends RequestContext {
  viewer: Viewer;
}
