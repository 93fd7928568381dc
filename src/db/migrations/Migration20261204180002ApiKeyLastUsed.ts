import { Migration } from '@mikro-orm/migrations';

/** When an API key was last used, to the hour (written at most once per key and hour), for `apiKeys`. */
export class Migration20261204180002ApiKeyLastUsed extends Migration {
  async up(): Promise<void> {
    this.addSql(`alter table api_key add column last_used_at timestamptz;`);
  }
}
