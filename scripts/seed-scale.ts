// `npm run seed:scale -- --providers 1000 [--database-url postgres://...]`: loads a generated network
// (10 offerings and 5 needs per provider, 24 capacity months per offering) into DATABASE_URL, or into
// the embedded PostgreSQL under DATA_DIR (database `exchange_scale`).
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { migrate, openOrm } from '../src/app/orm';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { seedScaleNetwork } from '../seeds/scale-network';

async function main() {
  const { values } = parseArgs({
    options: {
      providers: { type: 'string', default: '1000' },
      'database-url': { type: 'string' },
      seed: { type: 'string', default: '42' },
    },
  });
  const providers = Number(values.providers);
  if (!Number.isInteger(providers) || providers < 1) throw new Error('--providers must be a positive whole number');
  const url = values['database-url'] ?? process.env.DATABASE_URL;
  const embedded = url
    ? null
    : await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR ?? '.data', database: 'exchange_scale' });
  const orm = await openOrm({ databaseUrl: url ?? embedded!.url, statementTimeoutMs: 600_000 });
  const bar = new SingleBar({ format: 'providers {bar} {value}/{total} | {duration}s' }, Presets.shades_classic);
  try {
    await migrate(orm);
    const t0 = Date.now();
    bar.start(providers, 0);
    const totals = await seedScaleNetwork(orm.em.fork(), {
      providers,
      seed: Number(values.seed),
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    await orm.em.fork().getConnection().execute('analyze');
    console.log(
      `${JSON.stringify(totals)} in ${((Date.now() - t0) / 1000).toFixed(1)} s${embedded ? ` (embedded database: ${embedded.url.replace(/:[^:@]*@/, ':***@')})` : ''}`,
    );
  } finally {
    bar.stop();
    await orm.close();
    await embedded?.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
