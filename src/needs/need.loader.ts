import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Need } from './need.entity';
import { isUuid } from '../shared/ids';

export function createNeedLoaders(em: EntityManager) {
  return {
    needById: new DataLoader<string, Need | null>(async (ids) => {
      const rows = await em.find(Need, { id: { $in: ids.filter(isUuid) } });
      const byId = new Map(rows.map((n) => [n.id, n]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
