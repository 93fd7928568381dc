import { Migration } from '@mikro-orm/migrations';

/** Reference data, organizations, API keys, offerings and the append-only audit trail. */
export class Migration20261122000001Foundation extends Migration {
  async up(): Promise<void> {
    this.addSql(`
create table ehr_platform (
  code text primary key,
  name text not null,
  vendor text not null
);

create table region (
  code text primary key,
  name text not null,
  kind text not null check (kind in ('STATE', 'HHS_REGION', 'NATIONWIDE')),
  hhs_region_code text references region (code),
  check (kind = 'STATE' or hhs_region_code is null)
);

create table service_category (
  code text primary key,
  name text not null,
  unit text not null,
  touches_phi boolean not null
);

create table organization (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('HEALTH_SYSTEM', 'HOSPITAL', 'PRACTICE', 'NETWORK')),
  state_code text not null references region (code),
  ehr_platform_code text not null references ehr_platform (code),
  ehr_product text check (length(ehr_product) <= 100),
  beds integer check (beds >= 0),
  certifications text[] not null default '{}',
  network_id uuid references organization (id),
  check (network_id is distinct from id)
);
create unique index organization_name_key on organization (lower(name));
create index organization_network_id_idx on organization (network_id);
create index organization_state_code_idx on organization (state_code);
create index organization_ehr_platform_code_idx on organization (ehr_platform_code);
create index organization_kind_idx on organization (kind);

create table api_key (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  organization_id uuid references organization (id),
  role text not null check (role in ('OPERATOR', 'ADMIN', 'SALES', 'INTEGRATION')),
  label text not null check (length(label) between 1 and 100),
  secret_hash text not null unique,
  secret_prefix text not null,
  revoked_at timestamptz,
  check ((role = 'OPERATOR') = (organization_id is null))
);
create index api_key_organization_id_idx on api_key (organization_id);

create table offering (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  provider_id uuid not null references organization (id),
  category_code text not null references service_category (code),
  title text not null check (length(title) between 1 and 200),
  description text check (length(description) <= 4000),
  status text not null default 'DRAFT' check (status in ('DRAFT', 'PUBLISHED', 'PAUSED')),
  ehr_platform_codes text[] not null default '{}',
  region_codes text[] not null default '{}',
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  unit_price numeric(14, 4) not null check (unit_price >= 0),
  setup_fee numeric(14, 2) not null default 0 check (setup_fee >= 0),
  monthly_minimum numeric(14, 2) not null default 0 check (monthly_minimum >= 0),
  price_tiers jsonb not null default '[]',
  sla_targets jsonb not null default '[]',
  coverage_hours text check (coverage_hours in ('BUSINESS_HOURS', 'EXTENDED', 'AROUND_THE_CLOCK')),
  languages text[] not null default '{}',
  certifications text[] not null default '{}',
  gate_report_count smallint not null default 2 check (gate_report_count between 1 and 12)
);
create index offering_provider_id_idx on offering (provider_id);
create index offering_category_status_idx on offering (category_code, status);
create index offering_ehr_platform_codes_idx on offering using gin (ehr_platform_codes);
create index offering_region_codes_idx on offering using gin (region_codes);

create table audit_event (
  id uuid primary key,
  at timestamptz not null default now(),
  action text not null,
  entity_type text not null,
  entity_id uuid not null,
  actor_key_id uuid references api_key (id),
  actor_role text,
  actor_organization_id uuid references organization (id),
  party_ids uuid[] not null default '{}',
  changes jsonb not null,
  request_id text
);
create index audit_event_entity_idx on audit_event (entity_id, at);
create index audit_event_at_idx on audit_event (at);
create index audit_event_party_ids_idx on audit_event using gin (party_ids);
create index audit_event_actor_key_id_idx on audit_event (actor_key_id);
create index audit_event_actor_organization_id_idx on audit_event (actor_organization_id);

-- The audit trail is append-only for everyone, whatever role the application connects with.
create function audit_event_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_event is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger audit_event_no_update before update or delete on audit_event
  for each row execute function audit_event_append_only();
create trigger audit_event_no_truncate before truncate on audit_event
  for each statement execute function audit_event_append_only();
`);
  }
}
