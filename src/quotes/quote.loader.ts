import type { EntityManager } from '@mikro-orm/postgresql';
import { Quote } from './quote.entity';
import { childPageLoader } from '../shared/paged-loader';
import { byIdLoader } from '../shared/read-model';

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

declare module '../shared/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createQuoteLoaders> {}
}
