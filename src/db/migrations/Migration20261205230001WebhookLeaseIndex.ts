import { Migration } from '@mikro-orm/migrations';

/**
 * A webhook's attempts in flight are counted on every claim. Counted through the index of its due
 * deliveries, that read every pending delivery of the webhook: against a slow endpoint with a
 * backlog of thousands, each claim took tens of milliseconds. Leased rows are few (at most the
 * in-flight cap per webhook, plus leases of a crashed instance until they run out).
 */
export class Migration20261205230001WebhookLeaseIndex extends Migration {
  async up(): Promise<void> {
    this.addSql(
      `create index webhook_delivery_leased_idx on webhook_delivery (webhook_id, leased_until) where status = 'PENDING' and leased_until is not null;`,
    );
  }
}
