import type { EntityManager } from '@mikro-orm/postgresql';
import { Organization } from './organization.entity';
import { childPageLoader } from '../db/paged-loader';
import { byIdLoader } from '../db/read-model';

export function createOrganizationLoaders(em: EntityManager) {
  return {
    organizationById: byIdLoader(em, Organization),
    membersByNetwork: childPageLoader(em, Organization, {
      table: 'organization',
      parentColumn: 'network_id',
      sortKeys: [{ column: 'name' }, { column: 'id' }],
    }),
  };
}

declare module '../access/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createOrganizationLoaders> {}
}
