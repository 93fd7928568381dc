import { Migration } from '@mikro-orm/migrations';

/**
 * What was agreed stays agreed. A quote carries its own terms (prices, SLA targets, gate, notice,
 * coverage, languages, certifications), copied from its offering when it is issued; existing quotes
 * get them from their offering as it is today. Offerings gain a termination notice (0..12 months).
 * Shared terms of an engagement change with both parties: a proposal of task boundaries waits for
 * the other party, and the BAA is in force once both have signed (existing signed BAAs count as
 * signed by both). Performance reports keep their earlier versions and can be disputed. A provider's
 * loosening of its phase policy waits for the operator as a pending change.
 */
export class Migration20261204170001ContractTerms extends Migration {
  async up(): Promise<void> {
    this.addSql(`
alter table offering
  add column termination_notice_months smallint not null default 1 check (termination_notice_months between 0 and 12);

alter table quote
  add column unit_price numeric(14, 4),
  add column price_tiers jsonb,
  add column monthly_minimum numeric(14, 2),
  add column sla_targets jsonb,
  add column gate_report_count smallint,
  add column termination_notice_months smallint,
  add column coverage_hours text check (coverage_hours in ('BUSINESS_HOURS', 'EXTENDED', 'AROUND_THE_CLOCK')),
  add column languages text[],
  add column certifications text[];
update quote q
   set unit_price = o.unit_price, price_tiers = o.price_tiers, monthly_minimum = o.monthly_minimum,
       sla_targets = o.sla_targets, gate_report_count = o.gate_report_count,
       termination_notice_months = o.termination_notice_months, coverage_hours = o.coverage_hours,
       languages = o.languages, certifications = o.certifications
  from offering o where o.id = q.offering_id;
alter table quote
  alter column unit_price set not null,
  alter column price_tiers set not null,
  alter column monthly_minimum set not null,
  alter column sla_targets set not null,
  alter column gate_report_count set not null,
  alter column termination_notice_months set not null,
  alter column languages set not null,
  alter column certifications set not null,
  add constraint quote_gate_report_count_check check (gate_report_count >= 1),
  add constraint quote_termination_notice_months_check check (termination_notice_months between 0 and 12);
alter table quote rename column decline_reason to closed_reason;
alter table quote drop constraint quote_status_check;
alter table quote add constraint quote_status_check
  check (status in ('ISSUED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN', 'SUPERSEDED', 'NOT_AWARDED'));

alter table engagement
  add column baa_signatures jsonb not null default '[]',
  add column proposed_task_boundaries jsonb;
update engagement
   set baa_signatures = jsonb_build_array(
         jsonb_build_object('organizationId', buyer_id, 'side', 'BUYER', 'signedAt', baa_signed_at, 'apiKeyId', null),
         jsonb_build_object('organizationId', provider_id, 'side', 'PROVIDER', 'signedAt', baa_signed_at, 'apiKeyId', null))
 where baa_signed_at is not null;

alter table performance_report
  add column version integer not null default 1 check (version >= 1),
  add column earlier_versions jsonb not null default '[]',
  add column disputed boolean not null default false,
  add column dispute jsonb,
  add check (not disputed or dispute is not null);

alter table organization
  add column pending_phase_policy jsonb,
  add column pending_phase_policy_at timestamptz;
`);
  }
}
