import type { EntityManager } from '@mikro-orm/postgresql';
import { Quote } from './quote.entity';
import { childPageLoader } from '../db/paged-loader';
import { byIdLoader } from '../db/read-model';

export function createQuoteLoaders(em: EntityManager) {
  return {
    quoteById: byIdLoader(em, Quote),
    quotesByNeed: childPageLoader(em, Quote, {
      table: 'quote',
      parentColumn: 'need_id',
      sortKeys: [{ column: 'total' }, { column: 'id' }],
    }),
  };
}

declare module '../access/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createQuoteLoaders> {}
}
