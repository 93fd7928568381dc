// The physical floor for the nested offerings read: a bare node:http + pg server answering the same
// request with hand-written SQL and the same JSON, so the API is measured as a ratio to it.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { serviceCategory } from '../src/reference/reference.service';

export const NESTED_QUERY = `query Nested($from: Month!, $to: Month!) {
  offerings(first: 50, filter: { status: PUBLISHED }) {
    totalCount
    edges { node { id title provider { id name stateCode } category { code name unit } capacity(from: $from, to: $to) { month availableUnits } } }
  }
}`;

const monthsBetween = (from: string, to: string) => {
  const out: string[] = [];
  for (
    let [y, m] = from.split('-').map(Number);
    `${y}-${String(m).padStart(2, '0')}` <= to;
    m === 12 ? ((y += 1), (m = 1)) : (m += 1)
  )
    out.push(`${y}-${String(m).padStart(2, '0')}`);
  return out;
};

export async function startFloor(
  databaseUrl: string,
  port: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const pool = new Pool({ connectionString: databaseUrl, max: 20 });
  const keys = new Map<string, number>(); // hash -> valid until (same 1 s-class cache as the API)
  const server = http.createServer(async (req, res) => {
    try {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const { variables } = JSON.parse(raw) as { variables: { from: string; to: string } };
      const secret = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const hash = createHash('sha256').update(secret).digest('hex');
      if (!((keys.get(hash) ?? 0) > Date.now())) {
        const { rowCount } = await pool.query('select 1 from api_key where secret_hash = $1 and revoked_at is null', [
          hash,
        ]);
        if (!rowCount) return void res.writeHead(401).end();
        keys.set(hash, Date.now() + 800);
      }
      const [page, count] = await Promise.all([
        pool.query(
          `select o.id, o.title, p.id as provider_id, p.name, p.state_code, o.category_code
             from offering o join organization p on p.id = o.provider_id
            where o.status = 'PUBLISHED' order by o.title, o.id limit 50`,
        ),
        pool.query(`select count(*)::int as total from offering where status = 'PUBLISHED'`),
      ]);
      const cap = await pool.query(
        `select c.offering_id, to_char(c.month, 'YYYY-MM') as month,
                c.sellable_units - c.held_units - c.committed_units - c.conditional_units
                  + coalesce((select sum(r.units) from reservation r where c.held_units > 0 and r.offering_id = c.offering_id and r.month = c.month
                               and r.status = 'ACTIVE' and r.kind = 'HELD' and r.expires_at <= now()), 0)::int as available
           from capacity_month c where c.offering_id = any($1) and c.month between $2::date and $3::date`,
        [page.rows.map((r) => r.id), `${variables.from}-01`, `${variables.to}-01`],
      );
      const byOffering = new Map<string, Map<string, number>>();
      for (const r of cap.rows) {
        if (!byOffering.has(r.offering_id)) byOffering.set(r.offering_id, new Map());
        byOffering.get(r.offering_id)!.set(r.month, Math.max(0, r.available));
      }
      const months = monthsBetween(variables.from, variables.to);
      const body = {
        data: {
          offerings: {
            totalCount: count.rows[0].total,
            edges: page.rows.map((r) => {
              const c = serviceCategory(r.category_code)!;
              const avail = byOffering.get(r.id);
              return {
                node: {
                  id: r.id,
                  title: r.title,
                  provider: { id: r.provider_id, name: r.name, stateCode: r.state_code },
                  category: { code: c.code, name: c.name, unit: c.unit },
                  capacity: months.map((month) => ({ month, availableUnits: avail?.get(month) ?? 0 })),
                },
              };
            }),
          },
        },
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      await new Promise((r) => server.close(r));
      await pool.end();
    },
  };
}
