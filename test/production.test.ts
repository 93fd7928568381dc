// Production refuses what is only safe on a laptop: the demo network and its published keys, webhook
// secrets in clear, a public /metrics; and metrics labels never carry client-chosen strings.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from '../src/config';
import { errorCode, gql, ok, startTestApi, type TestApi } from './support/api';
import { createOrg } from './support/fixtures';
import { ensureBuilt, sleep } from './support/server-process';

const SECRETS_KEY = 'test-webhook-secrets-key-0123456789abcdef';
const root = path.join(__dirname, '..');

describe('production configuration', () => {
  it('refuses DEMO_DATA with NODE_ENV=production, and requires a webhook secrets key there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'true', WEBHOOK_SECRETS_KEY: SECRETS_KEY })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'true', WEBHOOK_SECRETS_KEY: SECRETS_KEY })).toThrow(
      /DEMO_DATA/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRETS_KEY/);
    // Positive controls.
    expect(loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'false', WEBHOOK_SECRETS_KEY: SECRETS_KEY }).DEMO_DATA).toBe(
      false,
    );
    expect(loadConfig({ NODE_ENV: 'development', DEMO_DATA: 'true' }).DEMO_DATA).toBe(true);
  });

  it('the server does not start in production with DEMO_DATA, and says why', () => {
    ensureBuilt();
    const r = spawnSync(process.execPath, [path.join(root, 'dist/src/main.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DEMO_DATA: 'true',
        WEBHOOK_SECRETS_KEY: SECRETS_KEY,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DEMO_DATA.*production/);
  });

  it('docker-compose.yml loads no demo data, takes its secrets from the environment and sets a webhook secrets key', () => {
    const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).not.toMatch(/DEMO_DATA:\s*"?(true|1|yes)/);
    expect(compose).toMatch(/OPERATOR_API_KEY:\s*\$\{OPERATOR_API_KEY:\?/);
    expect(compose).toMatch(/WEBHOOK_SECRETS_KEY:\s*\$\{WEBHOOK_SECRETS_KEY:\?/);
    expect(compose).toMatch(/POSTGRES_PASSWORD:\s*\$\{POSTGRES_PASSWORD:\?/);
    expect(compose).not.toMatch(/change-me|hsx_demo/);
  });
});

describe('demo keys in a production database', () => {
  it('are refused once the API runs in production (they stay usable in development)', async () => {
    const dev = await startTestApi();
    const hash = createHash('sha256').update('hsx_demo_operator').digest('hex');
    await dev.sql(
      `insert into api_key (id, role, label, secret_hash, secret_prefix) values ($1, 'OPERATOR', 'demo operator', $2, 'hsx_demo')`,
      [randomUUID(), hash],
    );
    expect(ok(await dev.gql('{ viewer { role } }', {}, 'hsx_demo_operator')).viewer.role).toBe('OPERATOR'); // control
    const { startApi } = await import('../src/app/start');
    const prod = await startApi(
      loadConfig({
        NODE_ENV: 'production',
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATABASE_URL: dev.databaseUrl,
        WEBHOOK_SECRETS_KEY: SECRETS_KEY,
      }),
    );
    try {
      await sleep(1000); // both instances share this test process and its key cache (0.8 s)
      const r = await gql(`http://127.0.0.1:${prod.port}/graphql`, '{ viewer { role } }', {}, 'hsx_demo_operator');
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
      const [row] = await dev.sql(`select revoked_at from api_key where secret_hash = $1`, [hash]);
      expect(row.revoked_at).not.toBeNull();
    } finally {
      await prod.stop();
      await dev.close();
    }
  });
});

describe('webhook secrets at rest', () => {
  let t: TestApi;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hsx-data-'));
    t = await startTestApi({ DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_SECRETS_KEY: '' });
  });
  afterAll(() => t.close());

  it('are encrypted by default, with a key generated under DATA_DIR (readable by its owner only)', async () => {
    const org = await createOrg(t);
    const secret = 'whsec-at-rest-0123456789abcdef';
    const r = ok(
      await t.gql(
        `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { message } } }`,
        { i: { organizationId: org, url: 'http://127.0.0.1:9/hook', events: ['quote.*'], secret } },
      ),
    );
    expect(r.createWebhook.userErrors).toEqual([]);
    const [row] = await t.sql(`select secret from webhook where id = $1`, [r.createWebhook.webhook!.id]);
    expect(row.secret).toMatch(/^v1:/);
    expect(row.secret).not.toContain(secret);
    const keyFile = path.join(dataDir, 'webhook-secrets.key');
    expect(readFileSync(keyFile, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
  });
});

describe('/metrics', () => {
  it('is off in production without METRICS_TOKEN; with it, needs the token', async () => {
    const t = await startTestApi({ NODE_ENV: 'production', WEBHOOK_SECRETS_KEY: SECRETS_KEY });
    const metricsUrl = t.url.replace('/graphql', '/metrics');
    try {
      expect((await fetch(metricsUrl)).status).toBe(404);
    } finally {
      await t.close();
    }
    const token = 'metrics-token-0123456789abcdef';
    const u = await startTestApi({ NODE_ENV: 'production', WEBHOOK_SECRETS_KEY: SECRETS_KEY, METRICS_TOKEN: token });
    const url = u.url.replace('/graphql', '/metrics');
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token.slice(0, -1)}` } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await u.close();
    }
  });

  it('labels requests by schema field, never by a client-chosen operation name', async () => {
    const t = await startTestApi();
    try {
      const name = `Leak_${randomUUID().replace(/-/g, '')}`;
      ok(await t.gql(`query ${name} { serviceCategories { code } }`));
      ok(await t.gql(`query Two { serviceCategories { code } ehrPlatforms { code } }`));
      const text = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
      expect(text).not.toContain(name);
      expect(text).toMatch(/graphql_requests_total\{operation="serviceCategories",status="200"\} \d+/);
      expect(text).toMatch(/graphql_requests_total\{operation="\(multiple\)",status="200"\} \d+/);
    } finally {
      await t.close();
    }
  });
});
