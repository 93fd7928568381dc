import { Migration } from '@mikro-orm/migrations';

/**
 * Audit events know which side each party is on: `buyer_ids` lists the parties acting as buyer (a
 * need's buyer, a quote's or an engagement's buyer), a subset of `party_ids`. A network reads, and its
 * webhooks receive, its members' events only where the member is a buying party (auth/visibility.ts).
 * Events written before this migration have none (the audit trail is append-only, so they are not
 * rewritten): they stay readable by their own parties and the operator only.
 */
export class Migration20261204180001AuditEventSides extends Migration {
  async up(): Promise<void> {
    this.addSql(`alter table audit_event add column buyer_ids uuid[] not null default '{}';`);
  }
}
