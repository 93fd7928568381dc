import type { EntityManager } from '@mikro-orm/postgresql';
import { Need } from './need.entity';
import { byIdLoader } from '../shared/read-model';

export function createNeedLoaders(em: EntityManager) {
  return {
    needById: byIdLoader(em, Need),
  };
}

declare module '../shared/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createNeedLoaders> {}
}
