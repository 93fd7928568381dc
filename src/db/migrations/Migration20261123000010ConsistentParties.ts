import { Migration } from '@mikro-orm/migrations';

/**
 * A quote's provider is its offering's and its buyer its need's; an engagement's need, offering and
 * parties are its quote's. Composite foreign keys say so in PostgreSQL (the application always wrote
 * them that way; nothing stopped another writer). They replace the single-column keys they imply
 * (each referenced row's own keys reach the organizations), so writing a quote checks two keys
 * instead of four and an engagement one instead of five: foreign-key checks were 8.5% of
 * PostgreSQL's time in the quote flow, about 26 per flow.
 */
export class Migration20261123000010ConsistentParties extends Migration {
  async up(): Promise<void> {
    this.addSql(`
create unique index offering_id_provider_id_key on offering (id, provider_id);
create unique index need_id_buyer_id_key on need (id, buyer_id);
create unique index quote_parties_key on quote (id, need_id, offering_id, provider_id, buyer_id);

alter table quote
  add constraint quote_offering_provider_fkey foreign key (offering_id, provider_id) references offering (id, provider_id),
  add constraint quote_need_buyer_fkey foreign key (need_id, buyer_id) references need (id, buyer_id),
  drop constraint quote_offering_id_fkey,
  drop constraint quote_provider_id_fkey,
  drop constraint quote_need_id_fkey,
  drop constraint quote_buyer_id_fkey;

alter table engagement
  add constraint engagement_quote_parties_fkey foreign key (quote_id, need_id, offering_id, provider_id, buyer_id)
    references quote (id, need_id, offering_id, provider_id, buyer_id),
  drop constraint engagement_quote_id_fkey,
  drop constraint engagement_need_id_fkey,
  drop constraint engagement_offering_id_fkey,
  drop constraint engagement_provider_id_fkey,
  drop constraint engagement_buyer_id_fkey;
`);
  }
}
