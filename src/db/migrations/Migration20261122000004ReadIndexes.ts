import { Migration } from '@mikro-orm/migrations';

/** Indexes for the paths users read most: listings in title or recency order, with their filters. */
export class Migration20261122000004ReadIndexes extends Migration {
  async up(): Promise<void> {
    this.addSql(`
create index offering_status_title_idx on offering (status, title, id);
create index offering_title_idx on offering (title, id);
create index organization_name_idx on organization (name, id);
create index need_created_at_idx on need (created_at desc, id);
create index quote_created_at_idx on quote (created_at desc, id);
create index engagement_created_at_idx on engagement (created_at desc, id);
create index performance_report_engagement_month_idx on performance_report (engagement_id, phase, month desc);
`);
  }
}
