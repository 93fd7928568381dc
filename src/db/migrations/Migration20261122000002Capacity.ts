import { Migration } from '@mikro-orm/migrations';

/**
 * Phase policies, the capacity book and the reservation ledger. Counters on capacity_month are
 * maintained by a trigger from reservation rows, and a CHECK keeps held + committed + conditional
 * within the sellable units: PostgreSQL itself refuses any write that would oversell.
 */
export class Migration20261122000002Capacity extends Migration {
  async up(): Promise<void> {
    this.addSql(`
alter table organization
  add column phase_policy jsonb not null default '[
    {"name": "PILOT", "maxExternalShare": 0.1, "maxActiveEngagements": 2},
    {"name": "EXPANSION", "maxExternalShare": 0.25, "maxActiveEngagements": 10},
    {"name": "SCALE", "maxExternalShare": 0.5, "maxActiveEngagements": null}
  ]',
  add column current_phase smallint not null default 0 check (current_phase >= 0),
  add column phase_entered_at timestamptz not null default now(),
  add check (jsonb_typeof(phase_policy) = 'array' and jsonb_array_length(phase_policy) between 1 and 10),
  add check (current_phase < jsonb_array_length(phase_policy));

create table capacity_month (
  offering_id uuid not null references offering (id),
  month date not null check (extract(day from month) = 1),
  total_units integer not null check (total_units >= 0),
  sellable_units integer not null check (sellable_units >= 0 and sellable_units <= total_units),
  held_units integer not null default 0 check (held_units >= 0),
  committed_units integer not null default 0 check (committed_units >= 0),
  conditional_units integer not null default 0 check (conditional_units >= 0),
  updated_at timestamptz not null default now(),
  primary key (offering_id, month),
  constraint capacity_month_no_overcommit check (held_units + committed_units + conditional_units <= sellable_units)
);

create table reservation (
  id uuid primary key default gen_random_uuid(),
  offering_id uuid not null,
  month date not null,
  kind text not null check (kind in ('HELD', 'COMMITTED', 'CONDITIONAL')),
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'RELEASED', 'EXPIRED', 'CONVERTED')),
  units integer not null check (units > 0),
  quote_id uuid,
  engagement_id uuid,
  phase text check (phase in ('PILOT', 'EXPANSION', 'STEADY')),
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  released_at timestamptz,
  foreign key (offering_id, month) references capacity_month (offering_id, month),
  check (kind <> 'HELD' or expires_at is not null),
  check ((status = 'ACTIVE') = (released_at is null))
);
create index reservation_capacity_idx on reservation (offering_id, month) where status = 'ACTIVE';
create index reservation_expiring_idx on reservation (expires_at) where status = 'ACTIVE' and kind = 'HELD';
create index reservation_quote_id_idx on reservation (quote_id) where quote_id is not null;
create index reservation_engagement_id_idx on reservation (engagement_id) where engagement_id is not null;

-- Keeps capacity_month counters equal to the sum of ACTIVE reservations, whoever writes them.
create function reservation_apply() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.status = 'ACTIVE' then
    update capacity_month set
      held_units = held_units - case when old.kind = 'HELD' then old.units else 0 end,
      committed_units = committed_units - case when old.kind = 'COMMITTED' then old.units else 0 end,
      conditional_units = conditional_units - case when old.kind = 'CONDITIONAL' then old.units else 0 end,
      updated_at = now()
    where offering_id = old.offering_id and month = old.month;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status = 'ACTIVE' then
    update capacity_month set
      held_units = held_units + case when new.kind = 'HELD' then new.units else 0 end,
      committed_units = committed_units + case when new.kind = 'COMMITTED' then new.units else 0 end,
      conditional_units = conditional_units + case when new.kind = 'CONDITIONAL' then new.units else 0 end,
      updated_at = now()
    where offering_id = new.offering_id and month = new.month;
  end if;
  return null;
end $$;
create trigger reservation_counters after insert or update or delete on reservation
  for each row execute function reservation_apply();
`);
  }
}
