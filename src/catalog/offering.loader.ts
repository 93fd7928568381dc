import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Offering } from './offering.entity';
import { childPageLoader } from '../shared/paged-loader';
import { isUuid } from '../shared/ids';

export function createOfferingLoaders(em: EntityManager) {
  return {
    offeringById: new DataLoader<string, Offering | null>(async (ids) => {
      const rows = await em.find(Offering, { id: { $in: ids.filter(isUuid) } });
      const byId = new Map(rows.map((o) => [o.id, o]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    offeringsByProvider: childPageLoader(em, Offering, { table: 'offering', parentColumn: 'provider_id', orderBy: 't.title, t.id' }),
  };
}
