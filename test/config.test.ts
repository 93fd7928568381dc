import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 4000, NODE_ENV: 'development', DEMO_DATA: true, LOG_LEVEL: 'info' });
    expect(loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRETS_KEY: 'k'.repeat(32) }).DEMO_DATA).toBe(false);
  });

  it('validates the event and webhook settings; private webhook targets are for development only', () => {
    expect(loadConfig({})).toMatchObject({
      EVENTS_POLL_MS: 200,
      WEBHOOK_RETRY_BASE_MS: 1000,
      WEBHOOK_MAX_ATTEMPTS: 12,
      WEBHOOK_TIMEOUT_MS: 5000,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: false,
    });
    expect(loadConfig({ EVENTS_POLL_MS: '0' }).EVENTS_POLL_MS).toBe(0);
    expect(() => loadConfig({ EVENTS_POLL_MS: '5' })).toThrow(/EVENTS_POLL_MS/);
    expect(() => loadConfig({ WEBHOOK_SECRETS_KEY: 'too-short' })).toThrow(/WEBHOOK_SECRETS_KEY/);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }).WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(() => loadConfig({ NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' })).toThrow(
      /development setting/,
    );
  });

  it('validates the read replica and pooler settings', () => {
    expect(loadConfig({})).toMatchObject({
      DATABASE_REPLICA_URLS: [],
      REPLICA_MAX_LAG_MS: 1000,
      DB_NAMED_STATEMENTS: true,
    });
    const c = loadConfig({
      DATABASE_REPLICA_URLS: 'postgres://a:b@r1:5432/x, postgresql://a:b@r2/x',
      REPLICA_MAX_LAG_MS: '250',
      DB_NAMED_STATEMENTS: 'false',
    });
    expect(c).toMatchObject({
      DATABASE_REPLICA_URLS: ['postgres://a:b@r1:5432/x', 'postgresql://a:b@r2/x'],
      REPLICA_MAX_LAG_MS: 250,
      DB_NAMED_STATEMENTS: false,
    });
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'mysql://r1/x' })).toThrow(/DATABASE_REPLICA_URLS/);
    expect(() => loadConfig({ REPLICA_MAX_LAG_MS: '0' })).toThrow(/REPLICA_MAX_LAG_MS/);
    expect(() => loadConfig({ DB_NAMED_STATEMENTS: 'sometimes' })).toThrow(/DB_NAMED_STATEMENTS/);
  });

  it('names every bad variable', () => {
    const bad = () =>
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'nope',
        DEMO_DATA: 'maybe',
        OPERATOR_API_KEY: 'short',
      });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'DEMO_DATA', 'OPERATOR_API_KEY'])
        expect((e as Error).message).toContain(name);
    }
  });
});
