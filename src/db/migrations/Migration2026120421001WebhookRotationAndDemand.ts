import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks for the Standard Webhooks contract: during a secret rotation the previous secret keeps
 * signing (beside the new one) until `previous_secret_expires_at`; a webhook may also subscribe to new
 * demand market-wide (`need.created` of any buyer, in chosen categories and regions).
 */
export class Migration2026120421001WebhookRotationAndDemand extends Migration {
  async up(): Promise<void> {
    this.addSql(`
alter table webhook
  add column previous_secret text,
  add column previous_secret_expires_at timestamptz,
  add constraint webhook_previous_secret_check check ((previous_secret is null) = (previous_secret_expires_at is null)),
  -- Market-wide new demand: null = only the organization's own events; otherwise need.created of any
  -- buyer in these categories ('{}' = all) and need regions (expanded: a need in US-OH matches US-OH,
  -- HHS-5 and NATIONWIDE subscriptions).
  add column demand_category_codes text[],
  add column demand_region_codes text[],
  add column demand_need_region_codes text[],
  add constraint webhook_demand_check check ((demand_category_codes is null) = (demand_region_codes is null) and (demand_region_codes is null) = (demand_need_region_codes is null));
`);
  }
}
