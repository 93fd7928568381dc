import type { EntityManager } from '@mikro-orm/postgresql';
import { Need } from './need.entity';
import { byIdLoader } from '../db/read-model';

export function createNeedLoaders(em: EntityManager) {
  return {
    needById: byIdLoader(em, Need),
  };
}

declare module '../access/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createNeedLoaders> {}
}
