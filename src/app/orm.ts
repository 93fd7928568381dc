// The database as this application uses it: every module's entities registered with MikroORM, and
// the reference data synced after the migrations. db/orm.ts knows no module.
import type { MikroORM } from '@mikro-orm/postgresql';
import { migrate as migrateSchema, openOrm as openDatabase, type OrmOptions } from '../db/orm';
import { Organization } from '../organizations/organization.entity';
import { Offering } from '../catalog/offering.entity';
import { ApiKey } from '../auth/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Need } from '../needs/need.entity';
import { Quote } from '../quotes/quote.entity';
import { Engagement } from '../engagements/engagement.entity';
import { PerformanceReport } from '../engagements/performance-report.entity';
import { Webhook, WebhookDelivery } from '../webhooks/webhook.entity';
import { syncReferenceData } from '../reference/reference.sync';

export const entities = [
  Organization,
  Offering,
  ApiKey,
  AuditEvent,
  Need,
  Quote,
  Engagement,
  PerformanceReport,
  Webhook,
  WebhookDelivery,
];

/** Opens the primary's pool with every entity. */
export function openOrm(o: Omit<OrmOptions, 'entities'>): Promise<MikroORM> {
  return openDatabase({ ...o, entities });
}

/** Applies pending migrations and upserts the reference data (one lock: instances starting together take turns). */
export function migrate(orm: MikroORM): Promise<void> {
  return migrateSchema(orm, syncReferenceData);
}
