import { Migration } from '@mikro-orm/migrations';

/**
 * Events: a transactional outbox filled from the audit trail (an audit event and its outbox row
 * commit or roll back with the change they describe), webhooks and their delivery log.
 */
export class Migration20261122000005Events extends Migration {
  async up(): Promise<void> {
    this.addSql(`
create table event_outbox (
  id bigserial primary key,
  audit_event_id uuid not null references audit_event (id),
  created_at timestamptz not null default now(),
  dispatched_at timestamptz
);
create index event_outbox_pending_idx on event_outbox (id) where dispatched_at is null;
create index event_outbox_audit_event_id_idx on event_outbox (audit_event_id);
create index event_outbox_dispatched_at_idx on event_outbox (dispatched_at) where dispatched_at is not null;

-- Every audit event enters the outbox in the same statement, whoever writes it.
create function audit_event_to_outbox() returns trigger language plpgsql as $$
begin
  insert into event_outbox (audit_event_id) select id from inserted order by at, id;
  return null;
end $$;
create trigger audit_event_outbox after insert on audit_event
  referencing new table as inserted
  for each statement execute function audit_event_to_outbox();

create table webhook (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  organization_id uuid not null references organization (id),
  url text not null check (length(url) between 10 and 2000),
  events text[] not null check (cardinality(events) between 1 and 100),
  -- The HMAC key: needed in clear to sign, so it is stored (encrypted when WEBHOOK_SECRETS_KEY is set)
  -- and never returned by the API.
  secret text not null,
  active boolean not null default true
);
create index webhook_organization_id_idx on webhook (organization_id);

create table webhook_delivery (
  id uuid primary key,
  created_at timestamptz not null default now(),
  webhook_id uuid not null references webhook (id) on delete cascade,
  audit_event_id uuid not null references audit_event (id),
  event text not null,
  status text not null default 'PENDING' check (status in ('PENDING', 'SUCCEEDED', 'FAILED')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  unique (webhook_id, audit_event_id),
  check ((status = 'PENDING') = (next_attempt_at is not null))
);
create index webhook_delivery_audit_event_id_idx on webhook_delivery (audit_event_id);
create index webhook_delivery_due_idx on webhook_delivery (next_attempt_at) where status = 'PENDING';
create index webhook_delivery_log_idx on webhook_delivery (webhook_id, created_at desc, id);
`);
  }
}
