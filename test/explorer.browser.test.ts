// The explorer in a real browser (Debian chromium + playwright-core): served by this package alone, it keeps
// the user's key, runs a saved operation against real data, and nothing it loads comes from beyond localhost.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { EXPLORER_CSP, explorerRouter } from '../src/explorer/explorer.router';
import { httpSecurity } from '../src/server/security';
import { startTestApi, type TestApi } from './support/api';
import { createOffering, provider } from './support/fixtures';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LOCAL = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;

let t: TestApi;
let server: http.Server;
let base: string;
let browser: BrowserContext;
let userDataDir: string;
/** Every URL the browser asked for, from pages and workers. */
const requested = new Set<string>();

/**
 * Until app.ts mounts the explorer, a small server stands in for it, in the same order: the app's security
 * headers, the explorer router, and POST /graphql forwarded to a real test API. Anything the router lets
 * through answers `{ passedThrough: true }`.
 */
async function startExplorerServer(api: TestApi): Promise<http.Server> {
  const app = express();
  app.use(...httpSecurity(api.api.deps.config));
  app.use(explorerRouter());
  app.post('/graphql', express.json(), async (req, res) => {
    const upstream = await fetch(api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      },
      body: JSON.stringify(req.body),
    });
    res
      .status(upstream.status)
      .type(upstream.headers.get('content-type') ?? 'application/json')
      .send(await upstream.text());
  });
  app.use((_req, res) => void res.status(404).json({ passedThrough: true }));
  const s = http.createServer(app);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`node scripts/ensure-test-tools.js\` (as root it installs Debian's chromium) or set CHROMIUM_PATH.`,
    );
  }
  execFileSync(process.execPath, ['scripts/build-explorer.mjs'], {
    cwd: path.resolve(__dirname, '..'),
    stdio: 'inherit',
  });
  t = await startTestApi();
  server = await startExplorerServer(t);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  userDataDir = mkdtempSync(path.join(tmpdir(), 'hsx-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  browser.on('request', (request) => void requested.add(request.url()));
  // Nothing may leave localhost: such a request is recorded (and fails the test) and never sent.
  await browser.route('**/*', (route) => {
    const url = route.request().url();
    requested.add(url);
    return LOCAL.test(url) ? route.continue() : route.abort('blockedbyclient');
  });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  if (server) {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }
  await t?.close();
});

/** The text of GraphiQL's response pane (Monaco renders spaces as no-break spaces). */
const responseText = (page: Page) =>
  page.locator('.graphiql-response').evaluate((el) => (el.textContent ?? '').replace(/\u00a0/g, ' '));

describe('explorer in a browser', () => {
  it('given a published offering, when a sales user enters the key and runs "Browse published offerings", then the result shows it, with nothing loaded from beyond localhost', async () => {
    const seller = await provider(t);
    const title = `Explorer check ${randomBytes(3).toString('hex')}`;
    await createOffering(t, seller.key, { title });

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /content security policy/i.test(msg.text())) problems.push(msg.text());
    });

    await page.goto(`${base}/graphql`);
    const status = page.locator('.hsx-status');
    await status.filter({ hasText: 'No key saved' }).waitFor();

    await page.getByLabel('API key').fill(seller.key);
    await page.getByRole('button', { name: 'Save key' }).click();
    await status.filter({ hasText: 'Signed in: ADMIN' }).waitFor();

    await page.getByRole('button', { name: /Browse published offerings/ }).click();
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').filter({ hasText: title }).waitFor({ timeout: 15_000 });
    expect(await responseText(page)).not.toContain('"errors"');
    await page.screenshot({ path: '/tmp/explorer.png' });

    // The key was entered once: a new visit is signed in without asking again.
    await page.reload();
    await status.filter({ hasText: 'Signed in: ADMIN' }).waitFor();
    expect(await page.getByLabel('API key').inputValue()).toBe(seller.key);

    expect(problems).toEqual([]);
    const urls = [...requested].filter((url) => !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(urls.filter((url) => !LOCAL.test(url))).toEqual([]);
    // The editor's web workers came from this server too.
    for (const worker of ['editor.worker.js', 'graphql.worker.js'])
      expect(urls.some((url) => url.includes(`/explorer/${worker}`))).toBe(true);
  });

  it('serves the page only to browsers, without inline scripts, and its bundle with long cache headers', async () => {
    const html = await fetch(`${base}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
    const body = await html.text();
    const scripts = body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/src="\/explorer\/app\.js\?v=\w+"/);

    // GraphQL-over-HTTP GET requests and non-browser clients go on to the API.
    for (const [url, accept] of [
      [`${base}/graphql?query=%7B__typename%7D`, 'text/html'],
      [`${base}/graphql`, 'application/json'],
      [`${base}/graphql`, '*/*'],
    ]) {
      expect(await (await fetch(url, { headers: { accept } })).json()).toEqual({ passedThrough: true });
    }

    const app = await fetch(`${base}/explorer/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/javascript/);
    expect(app.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    expect((await app.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});
