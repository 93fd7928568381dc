import type { EntityManager } from '@mikro-orm/postgresql';
import { Engagement } from './engagement.entity';
import { PerformanceReport } from './performance-report.entity';
import { childPageLoader } from '../db/paged-loader';
import { byIdLoader } from '../db/read-model';

export function createEngagementLoaders(em: EntityManager) {
  return {
    engagementById: byIdLoader(em, Engagement),
    reportsByEngagement: childPageLoader(em, PerformanceReport, {
      table: 'performance_report',
      parentColumn: 'engagement_id',
      sortKeys: [{ column: 'month', desc: true }, { column: 'id' }],
    }),
  };
}

declare module '../access/context' {
  /** This module's request loaders, registered by src/app/context.ts. */
  interface Loaders extends ReturnType<typeof createEngagementLoaders> {}
}
