import { Migration } from '@mikro-orm/migrations';

/**
 * A quote's active holds by quote id. Accepting, withdrawing, declining or expiring a quote reaches
 * its holds with `quote_id = ? and status = 'ACTIVE' and kind = 'HELD'`; with statistics taken while
 * the table was small, PostgreSQL preferred the expiry index (same partial predicate, no key) and
 * read every active hold. This index serves the predicate and the key at once, whatever the statistics.
 */
export class Migration20261123000007QuoteHoldIndex extends Migration {
  async up(): Promise<void> {
    this.addSql(
      `create index reservation_quote_holds_idx on reservation (quote_id) where status = 'ACTIVE' and kind = 'HELD';`,
    );
  }
}
