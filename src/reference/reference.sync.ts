// Upserts the reference data owned by the code (reference.data.ts) into its tables, after every
// start's migrations (app/orm.ts): foreign keys and SQL read these rows.
import type { MikroORM } from '@mikro-orm/postgresql';
import { ehrPlatforms, regions, serviceCategories } from './reference.service';

export async function syncReferenceData(orm: MikroORM): Promise<void> {
  const em = orm.em.fork();
  const conn = em.getConnection();
  const json = (rows: unknown[]) => JSON.stringify(rows);
  await conn.execute(
    `insert into ehr_platform (code, name, vendor)
     select code, name, vendor from jsonb_to_recordset(?::jsonb) as x(code text, name text, vendor text)
     on conflict (code) do update set name = excluded.name, vendor = excluded.vendor`,
    [json(ehrPlatforms)],
  );
  // One statement: the states' references to their HHS region are checked at its end.
  await conn.execute(
    `insert into region (code, name, kind, hhs_region_code)
     select code, name, kind, "hhsRegion" from jsonb_to_recordset(?::jsonb) as x(code text, name text, kind text, "hhsRegion" text)
     on conflict (code) do update set name = excluded.name, kind = excluded.kind, hhs_region_code = excluded.hhs_region_code`,
    [json(regions)],
  );
  await conn.execute(
    `insert into service_category (code, name, unit, touches_phi)
     select code, name, unit, "touchesPhi" from jsonb_to_recordset(?::jsonb) as x(code text, name text, unit text, "touchesPhi" boolean)
     on conflict (code) do update set name = excluded.name, unit = excluded.unit, touches_phi = excluded.touches_phi`,
    [json(serviceCategories)],
  );
}
