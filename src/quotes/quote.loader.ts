import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Quote } from './quote.entity';
import { childPageLoader } from '../shared/paged-loader';
import { isUuid } from '../shared/ids';

export function createQuoteLoaders(em: EntityManager) {
  return {
    quoteById: new DataLoader<string, Quote | null>(async (ids) => {
      const rows = await em.find(Quote, { id: { $in: ids.filter(isUuid) } });
      const byId = new Map(rows.map((q) => [q.id, q]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    quotesByNeed: childPageLoader(em, Quote, { table: 'quote', parentColumn: 'need_id', orderBy: 't.total, t.id' }),
  };
}
