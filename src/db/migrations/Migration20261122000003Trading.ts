import { Migration } from '@mikro-orm/migrations';

/** Needs, quotes, engagements, performance reports and idempotency keys. */
export class Migration20261122000003Trading extends Migration {
  async up(): Promise<void> {
    this.addSql(`
create table need (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  buyer_id uuid not null references organization (id),
  category_code text not null references service_category (code),
  monthly_volume integer not null check (monthly_volume > 0),
  start_month date not null check (extract(day from start_month) = 1),
  duration_months smallint not null check (duration_months between 1 and 60),
  ehr_platform_code text not null references ehr_platform (code),
  region_code text not null references region (code),
  required_certifications text[] not null default '{}',
  coverage_hours text check (coverage_hours in ('BUSINESS_HOURS', 'EXTENDED', 'AROUND_THE_CLOCK')),
  languages text[] not null default '{}',
  max_unit_price numeric(14, 4) check (max_unit_price >= 0),
  notes text check (length(notes) <= 2000),
  status text not null default 'OPEN' check (status in ('OPEN', 'AWARDED', 'CLOSED', 'CANCELLED'))
);
create index need_buyer_id_idx on need (buyer_id);
create index need_status_category_idx on need (status, category_code);
create index need_region_code_idx on need (region_code);

create table quote (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  need_id uuid not null references need (id),
  offering_id uuid not null references offering (id),
  provider_id uuid not null references organization (id),
  buyer_id uuid not null references organization (id),
  version integer not null default 1 check (version >= 1),
  supersedes_id uuid references quote (id),
  status text not null default 'ISSUED' check (status in ('ISSUED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN', 'SUPERSEDED')),
  expires_at timestamptz not null,
  currency text not null,
  pilot_months smallint not null check (pilot_months >= 0),
  pilot_units integer not null check (pilot_units >= 0),
  expansion_months smallint not null check (expansion_months >= 0),
  expansion_units integer not null check (expansion_units >= 0),
  discount_percent numeric(5, 2) not null default 0 check (discount_percent between 0 and 100),
  setup_fee numeric(14, 2) not null check (setup_fee >= 0),
  total numeric(16, 2) not null check (total >= 0),
  schedule jsonb not null,
  decline_reason text check (length(decline_reason) <= 1000)
);
-- One live quote per need and offering; one accepted quote per need.
create unique index quote_live_per_offering_key on quote (need_id, offering_id) where status = 'ISSUED';
create unique index quote_one_accepted_per_need_key on quote (need_id) where status = 'ACCEPTED';
create index quote_need_id_idx on quote (need_id);
create index quote_offering_id_idx on quote (offering_id);
create index quote_provider_id_idx on quote (provider_id);
create index quote_buyer_id_idx on quote (buyer_id);
create index quote_supersedes_id_idx on quote (supersedes_id);
create index quote_expiring_idx on quote (expires_at) where status = 'ISSUED';

create table engagement (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  quote_id uuid not null unique references quote (id),
  need_id uuid not null unique references need (id),
  offering_id uuid not null references offering (id),
  provider_id uuid not null references organization (id),
  buyer_id uuid not null references organization (id),
  phase text not null default 'PILOT' check (phase in ('PILOT', 'EXPANSION', 'STEADY')),
  status text not null check (status in ('PENDING_BAA', 'ACTIVE', 'COMPLETED', 'TERMINATED')),
  start_month date not null,
  end_month date not null check (end_month >= start_month),
  schedule jsonb not null,
  task_boundaries jsonb not null default '[]',
  escalation_contact text check (length(escalation_contact) <= 200),
  baa_required boolean not null,
  baa_signed_at timestamptz,
  phase_entered_at timestamptz not null default now(),
  phase_history jsonb not null default '[]',
  terminated_at timestamptz,
  termination_reason text check (length(termination_reason) <= 1000),
  service_end_month date,
  check (status <> 'ACTIVE' or not baa_required or baa_signed_at is not null)
);
create index engagement_offering_id_idx on engagement (offering_id);
create index engagement_provider_status_idx on engagement (provider_id, status);
create index engagement_buyer_status_idx on engagement (buyer_id, status);

create table performance_report (
  id uuid primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  engagement_id uuid not null references engagement (id),
  month date not null check (extract(day from month) = 1),
  phase text not null check (phase in ('PILOT', 'EXPANSION', 'STEADY')),
  delivered_units integer not null check (delivered_units >= 0),
  metrics jsonb not null,
  attainment numeric(5, 4) not null check (attainment between 0 and 1),
  all_targets_met boolean not null,
  unique (engagement_id, month)
);

create table idempotency_key (
  owner text not null,
  operation text not null,
  key text not null check (length(key) between 1 and 200),
  request_hash text not null,
  result jsonb,
  created_at timestamptz not null default now(),
  primary key (owner, operation, key)
);

alter table reservation
  add foreign key (quote_id) references quote (id),
  add foreign key (engagement_id) references engagement (id);
`);
  }
}
