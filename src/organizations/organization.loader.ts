import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Organization } from './organization.entity';
import { childPageLoader } from '../shared/paged-loader';
import { isUuid } from '../shared/ids';

export function createOrganizationLoaders(em: EntityManager) {
  return {
    organizationById: new DataLoader<string, Organization | null>(async (ids) => {
      const rows = await em.find(Organization, { id: { $in: ids.filter(isUuid) } });
      const byId = new Map(rows.map((o) => [o.id, o]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    membersByNetwork: childPageLoader(em, Organization, { table: 'organization', parentColumn: 'network_id', orderBy: 't.name, t.id' }),
  };
}
