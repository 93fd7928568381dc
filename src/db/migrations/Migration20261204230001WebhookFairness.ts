import { Migration } from '@mikro-orm/migrations';

/**
 * Fair webhook delivery: an attempt's lease is recorded (`leased_until`), so that a webhook's
 * attempts in flight can be capped; a webhook's consecutive failures open its circuit breaker
 * (`paused_until`); due deliveries are found per webhook.
 */
export class Migration20261204230001WebhookFairness extends Migration {
  async up(): Promise<void> {
    this.addSql(
      `alter table webhook add column consecutive_failures integer not null default 0 check (consecutive_failures >= 0);`,
    );
    this.addSql(`alter table webhook add column paused_until timestamptz;`);
    this.addSql(`alter table webhook_delivery add column leased_until timestamptz;`);
    this.addSql(
      `create index webhook_delivery_due_per_webhook_idx on webhook_delivery (webhook_id, next_attempt_at) where status = 'PENDING';`,
    );
    this.addSql(
      `create index webhook_delivery_retention_idx on webhook_delivery (created_at) where status <> 'PENDING';`,
    );
  }
}
