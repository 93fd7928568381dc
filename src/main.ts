// Entry point of `npm start`: validated configuration, one API instance, clean shutdown on signals.
import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config';
import { startApi } from './app/start';
import { stopTracing } from './shared/tracing';
import { demoKeyBanner } from '../seeds/DemoSeeder';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const api = await startApi(config);
  const { log } = api.deps;
  log.info(
    { url: api.url, database: api.embedded ? 'embedded' : 'DATABASE_URL', redis: api.deps.store.kind },
    'API listening',
  );
  if (config.NODE_ENV === 'development') {
    const keys = await demoKeyBanner(api.deps.orm.em.fork());
    console.log(
      [
        '',
        `  Health Services Exchange is running: ${api.url}`,
        `  Explorer: open ${api.url} in a browser`,
        ...(keys.length ? ['', '  Demo API keys (send as "Authorization: Bearer <key>"):', ...keys] : []),
        '',
      ].join('\n'),
    );
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    if (signals++) return;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000).unref();
    api.stop().then(
      async () => {
        await stopTracing().catch((err) => log.warn({ err }, 'could not flush traces'));
        clearTimeout(force);
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error('Failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
