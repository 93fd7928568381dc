import type { EntityManager } from '@mikro-orm/postgresql';
import { Offering } from './offering.entity';
import { childPageLoader } from '../db/paged-loader';
import { byIdLoader } from '../db/read-model';

export function createOfferingLoaders(em: EntityManager) {
  return {
    offeringById: byIdLoader(em, Offering),
    offeringsByProvider: childPageLoader(em, Offering, {
      table: 'offering',
      parentColumn: 'provider_id',
      sortKeys: [{ column: 'title' }, { column: 'id' }],
    }),
  };
}

declare module '../access/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createOfferingLoaders> {}
}
