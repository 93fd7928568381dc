import { Migration } from '@mikro-orm/migrations';

/**
 * The capacity counters follow the reservation ledger once per statement instead of once per row:
 * placing or converting a quote's holds changes one row per schedule month, and each row ran an
 * UPDATE of its own (a new executor, the month's CHECK constraints parsed and planned again): six per
 * quote issued and accepted. Now a statement's rows (transition tables) are summed per month and
 * applied in one UPDATE. A trigger with transition tables has one event, hence three triggers, and
 * each event reads only the tables it has. Callers lock the months first, as before.
 */
export class Migration20261123000008ReservationCountersPerStatement extends Migration {
  async up(): Promise<void> {
    const apply = (changes: string) => `
    update capacity_month c
       set held_units = c.held_units + n.held, committed_units = c.committed_units + n.committed,
           conditional_units = c.conditional_units + n.conditional, updated_at = now()
      from (select offering_id, month, sum(held)::int as held, sum(committed)::int as committed, sum(conditional)::int as conditional
              from (${changes}) x group by offering_id, month) n
     where c.offering_id = n.offering_id and c.month = n.month and (n.held, n.committed, n.conditional) <> (0, 0, 0);`;
    // A row's part of its month's counters (the row as it is now, or minus the row as it was).
    const units = (rows: string, sign: '' | '-') =>
      `select offering_id, month, ${['HELD', 'COMMITTED', 'CONDITIONAL'].map((k) => `${sign}case when kind = '${k}' then units else 0 end as ${k.toLowerCase()}`).join(', ')}
         from ${rows} where status = 'ACTIVE'`;
    this.addSql(`
drop trigger reservation_counters on reservation;
drop function reservation_apply();
create function reservation_counters() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then ${apply(units('new_rows', ''))}
  elsif tg_op = 'DELETE' then ${apply(units('old_rows', '-'))}
  else ${apply(`${units('new_rows', '')} union all ${units('old_rows', '-')}`)}
  end if;
  return null;
end $$;
create trigger reservation_counters_insert after insert on reservation
  referencing new table as new_rows for each statement execute function reservation_counters();
create trigger reservation_counters_update after update on reservation
  referencing old table as old_rows new table as new_rows for each statement execute function reservation_counters();
create trigger reservation_counters_delete after delete on reservation
  referencing old table as old_rows for each statement execute function reservation_counters();
`);
  }
}
