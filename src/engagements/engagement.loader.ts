import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Engagement } from './engagement.entity';
import { PerformanceReport } from './performance-report.entity';
import { childPageLoader } from '../shared/paged-loader';
import { isUuid } from '../shared/ids';

export function createEngagementLoaders(em: EntityManager) {
  return {
    engagementById: new DataLoader<string, Engagement | null>(async (ids) => {
      const rows = await em.find(Engagement, { id: { $in: ids.filter(isUuid) } });
      const byId = new Map(rows.map((e) => [e.id, e]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    reportsByEngagement: childPageLoader(em, PerformanceReport, { table: 'performance_report', parentColumn: 'engagement_id', orderBy: 't.month desc' }),
  };
}
