import { Migration } from '@mikro-orm/migrations';

/**
 * Honest outcomes for quotes closed before this change: one that was still live when the buyer
 * accepted another quote on its need lost (NOT_AWARDED), not expired; and every closed quote says why
 * in `closed_reason` where the reason is known from its status.
 */
export class Migration20261204170002HonestOutcomes extends Migration {
  async up(): Promise<void> {
    this.addSql(`
update quote q set status = 'NOT_AWARDED', closed_reason = 'The buyer accepted another quote on this need.'
  from quote a
 where a.need_id = q.need_id and a.status = 'ACCEPTED' and a.id <> q.id
   and q.status = 'EXPIRED' and q.expires_at > a.updated_at;
update quote q set closed_reason = 'The buyer cancelled the need.'
  from need n where n.id = q.need_id and n.status = 'CANCELLED' and q.status = 'EXPIRED' and q.closed_reason is null;
update quote set closed_reason = case status
    when 'DECLINED' then 'Declined by the buyer.'
    when 'WITHDRAWN' then 'Withdrawn by the provider.'
    when 'EXPIRED' then 'The quote lapsed at its expiry.'
    when 'SUPERSEDED' then 'Replaced by version ' || (version + 1) || '.'
  end
 where closed_reason is null and status in ('DECLINED', 'WITHDRAWN', 'EXPIRED', 'SUPERSEDED');
`);
  }
}
