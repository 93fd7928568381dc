import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 4000, NODE_ENV: 'development', DEMO_DATA: true, LOG_LEVEL: 'info' });
    expect(loadConfig({ NODE_ENV: 'production' }).DEMO_DATA).toBe(false);
  });

  it('names every bad variable', () => {
    const bad = () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'nope', DEMO_DATA: 'maybe', OPERATOR_API_KEY: 'short' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'DEMO_DATA', 'OPERATOR_API_KEY']) expect((e as Error).message).toContain(name);
    }
  });
});
