import { Migration } from '@mikro-orm/migrations';

/**
 * The reservation trigger applies a change to its month's counters in one UPDATE: converting a hold
 * into a commitment (acceptance), releasing or expiring it, is one net change of the same row, where
 * the first version subtracted the old side and added the new side in two UPDATEs. A reservation
 * that moves to another offering or month (never done by the API) still updates both months.
 */
export class Migration20261123000006ReservationDelta extends Migration {
  async up(): Promise<void> {
    this.addSql(`
create or replace function reservation_apply() returns trigger language plpgsql as $$
declare
  held int := 0;
  committed int := 0;
  conditional int := 0;
  same_month boolean := tg_op = 'UPDATE' and old.offering_id = new.offering_id and old.month = new.month;
begin
  if tg_op in ('UPDATE', 'DELETE') and old.status = 'ACTIVE' then
    held := held - case when old.kind = 'HELD' then old.units else 0 end;
    committed := committed - case when old.kind = 'COMMITTED' then old.units else 0 end;
    conditional := conditional - case when old.kind = 'CONDITIONAL' then old.units else 0 end;
    if tg_op = 'DELETE' or not same_month then
      update capacity_month set held_units = held_units + held, committed_units = committed_units + committed,
             conditional_units = conditional_units + conditional, updated_at = now()
       where offering_id = old.offering_id and month = old.month;
      held := 0; committed := 0; conditional := 0;
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status = 'ACTIVE' then
    held := held + case when new.kind = 'HELD' then new.units else 0 end;
    committed := committed + case when new.kind = 'COMMITTED' then new.units else 0 end;
    conditional := conditional + case when new.kind = 'CONDITIONAL' then new.units else 0 end;
  end if;
  if held <> 0 or committed <> 0 or conditional <> 0 then
    update capacity_month set held_units = held_units + held, committed_units = committed_units + committed,
           conditional_units = conditional_units + conditional, updated_at = now()
     where offering_id = new.offering_id and month = new.month;
  end if;
  return null;
end $$;
`);
  }
}
