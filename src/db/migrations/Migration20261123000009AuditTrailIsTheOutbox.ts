import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail is the event outbox. Each audit event records its transaction id (`tx`), and the
 * dispatcher reads events in (tx, at, id) order past a cursor, only below the oldest transaction still
 * running (`pg_snapshot_xmin`): every event below that line has committed or never will, so none can
 * appear behind the cursor later, whatever order transactions commit in. This replaces a copy of
 * every event (event_outbox, filled by a statement trigger, then updated when dispatched and pruned a
 * day later): the trigger, the copy, its foreign key and its indexes cost about a tenth of
 * PostgreSQL's CPU in the quote flow.
 *
 * Existing events get tx 1 (before every real transaction id). The cursor starts after the last of
 * them with no pending outbox row at or before it, so pending events are still dispatched (an
 * already dispatched one that sorts after a pending one is dispatched again: deliveries are at least
 * once, and receivers deduplicate on the event id).
 */
export class Migration20261123000009AuditTrailIsTheOutbox extends Migration {
  async up(): Promise<void> {
    this.addSql(`
alter table audit_event add column tx xid8 not null default '1';
alter table audit_event alter column tx set default pg_current_xact_id();
create index audit_event_dispatch_idx on audit_event (tx, at, id);

-- Where the dispatcher stands: the last event it dispatched, in (tx, at, id) order.
create table event_cursor (
  name text primary key,
  tx xid8 not null,
  at timestamptz not null,
  event_id uuid not null
);
insert into event_cursor (name, tx, at, event_id) values ('dispatch', '0', '-infinity', '00000000-0000-0000-0000-000000000000');
update event_cursor c set tx = l.tx, at = l.at, event_id = l.id
  from (select a.tx, a.at, a.id from audit_event a
         where not exists (select 1 from event_outbox o join audit_event p on p.id = o.audit_event_id
                            where o.dispatched_at is null and (p.at, p.id) <= (a.at, a.id))
         order by a.at desc, a.id desc limit 1) l;

drop trigger audit_event_outbox on audit_event;
drop function audit_event_to_outbox();
drop table event_outbox;
`);
  }
}
