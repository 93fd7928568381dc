// Hot-path statements as named prepared statements. MikroORM's em.execute inlines the values into
// the SQL text, so PostgreSQL parses and plans every call as a new statement; here the values are
// bound and each statement text is parsed once per connection (PostgreSQL then reuses a generic plan
// when it is no worse than a custom one). Runs in `em`'s transaction when it has one.
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/knex';

const names = new Map<string, string>();
const nameOf = (sql: string) => {
  let name = names.get(sql);
  if (!name) {
    name = `hsx_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
};

/** Runs `sql` with `?` placeholders bound to `params` (scalars only: pass arrays as `pgArray` literals). */
export async function prepared<R = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<R[]> {
  const knex: Knex = em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
  const res = (await knex.raw(sql, params as Knex.RawBinding[]).options({ name: nameOf(sql) })) as { rows: R[] };
  return res.rows;
}
