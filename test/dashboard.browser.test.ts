// The /dashboard page in a real browser (Debian chromium + playwright-core) on the demo network: for a
// provider key and a buyer key it draws each chart with the API's own numbers (read back from the
// chart's data and from its table view), a SALES key sees the same read-only views, the page is
// keyboard reachable and loads nothing from beyond localhost. With SCREENSHOTS=1 it writes
// docs/dashboard-provider.png and docs/dashboard-buyer.png.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { EXPLORER_CSP } from '../src/explorer/explorer.router';
import { BUYING_DASHBOARD, DASHBOARD_VIEWER, SELLING_DASHBOARD } from '../src/explorer/dashboard-queries';
import { buildAppSchema } from '../src/app/schema';
import { addMonths, currentMonth } from '../src/shared/month';
import { ok, startTestApi, type TestApi } from './support/api';

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
const PROVIDER_ADMIN = 'hsx_demo_provider_admin';
const PROVIDER_SALES = 'hsx_demo_provider_sales';
const BUYER_ADMIN = 'hsx_demo_buyer_admin';
const DOCS = path.resolve(__dirname, '..', 'docs');

let t: TestApi;
let base: string;
let browser: BrowserContext;
let userDataDir: string;
const requested = new Set<string>();

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`node scripts/ensure-test-tools.js\` (as root it installs Debian's chromium) or set CHROMIUM_PATH.`,
    );
  execFileSync(process.execPath, ['scripts/build-explorer.mjs'], {
    cwd: path.resolve(__dirname, '..'),
    stdio: 'inherit',
  });
  t = await startTestApi({ DEMO_DATA: 'true' });
  base = t.url.replace(/\/graphql$/, '');
  userDataDir = mkdtempSync(path.join(tmpdir(), 'hsx-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 1000 },
  });
  await browser.route('**/*', (route) => {
    const url = route.request().url();
    requested.add(url);
    return LOCAL.test(url) ? route.continue() : route.abort('blockedbyclient');
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await t?.close();
});

/** The dashboard signed in with `key`, showing `view`, with every chart drawn. */
async function open(key: string, view: 'selling' | 'buying'): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => void (msg.type() === 'error' && problems.push(msg.text())));
  await page.goto(`${base}/dashboard#${view}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Save key' }).click();
  await page.locator(`#dashboard[data-ready="${view}"]`).waitFor({ timeout: 20_000 });
  // In the page: every figure's chart is drawn.
  await page.waitForFunction(`(() => {
    const figures = [...document.querySelectorAll('figure[data-chart]')];
    return figures.length > 0 && figures.every((f) => f.dataset.drawn === 'true');
  })()`);
  return { page, problems };
}

/** Labels and datasets of a chart, as Chart.js holds them. */
const chartData = (page: Page, id: string) =>
  page.evaluate(
    `(() => {
      const chart = window.hsxCharts[${JSON.stringify(id)}];
      return { labels: chart.data.labels, datasets: Object.fromEntries(chart.data.datasets.map((d) => [d.label.replace(/ \\(.*$/, ''), d.data])) };
    })()`,
  ) as Promise<{ labels: string[]; datasets: Record<string, number[]> }>;

/** The table view of a chart, opened with its button: header cells and the rows' cells. */
async function tableView(page: Page, id: string): Promise<string[][]> {
  const figure = page.locator(`figure[data-chart="${id}"]`);
  await figure.getByRole('button', { name: 'Show table' }).click();
  const table = figure.locator('table');
  await table.waitFor();
  return table
    .locator('tr')
    .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())));
}

const num = (text: string) => Number(text.replace(/,/g, ''));
const from = currentMonth();
const to = addMonths(from, 11);

describe('explorer subscriptions', () => {
  it('runs the saved "Watch my quotes live" over graphql-ws on the same URL: a quote issued meanwhile shows up', async () => {
    const demand = ok(
      await t.gql(
        `{ servableDemand(first: 50) { needs { needId quoted offerings { offeringId } } } }`,
        {},
        PROVIDER_ADMIN,
      ),
    ).servableDemand;
    const target = demand.needs.find((n) => !n.quoted);
    expect(target).toBeTruthy();
    const page = await browser.newPage();
    await page.goto(`${base}/graphql`);
    await page.getByLabel('API key').fill(PROVIDER_ADMIN);
    await page.getByRole('button', { name: 'Save key' }).click();
    await page.locator('.hsx-status').filter({ hasText: 'Signed in: ADMIN' }).waitFor();
    await page.getByRole('button', { name: /Watch my quotes live/ }).click();
    await page.locator('.graphiql-execute-button').click();
    // The subscription is set up over the WebSocket meanwhile: act until an event arrives (a revision is one more).
    const issued = ok(
      await t.gql(
        `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code message } } }`,
        { i: { needId: target!.needId, offeringId: target!.offerings[0].offeringId } },
        PROVIDER_ADMIN,
      ),
    ).issueQuote;
    expect(issued.userErrors).toEqual([]);
    const response = page.locator('.graphiql-response').filter({ hasText: '"quoteEvents"' });
    for (let attempt = 0; ; attempt++) {
      const seen = await response.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (seen || attempt === 4) break;
      const revised = ok(
        await t.gql(
          `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { userErrors { code } } }`,
          { i: { quoteId: issued.quote!.id, discountPercent: attempt + 1 } },
          PROVIDER_ADMIN,
        ),
      );
      expect(revised.reviseQuote.userErrors).toEqual([]);
      issued.quote!.id = (
        await t.sql<{ id: string }>(`select id from quote where supersedes_id = $1`, [issued.quote!.id])
      )[0].id;
    }
    const text = await page
      .locator('.graphiql-response')
      .evaluate((el) => (el.textContent ?? '').replace(/\u00a0/g, ' '));
    expect(text).toMatch(/"type": "(ISSUED|REVISED|SUPERSEDED)"/);
    expect(text).toContain('"quoteEvents"');
    await page.close();
  });
});

describe('dashboard page', () => {
  it('runs only queries the schema accepts', async () => {
    const schema = await buildAppSchema();
    for (const doc of [DASHBOARD_VIEWER, SELLING_DASHBOARD, BUYING_DASHBOARD])
      expect(validate(schema, parse(doc)).map((e) => e.message)).toEqual([]);
  });

  it('is served by the API with the explorer’s policy, and the explorer links to it', async () => {
    const res = await fetch(`${base}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
    const scripts = (await res.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toEqual([expect.stringMatching(/src="\/explorer\/dashboard\.js\?v=\w+"/)]);
    const page = await browser.newPage();
    await page.goto(`${base}/graphql`);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(`${base}/dashboard`);
    await page.close();
  });

  it('for a provider key, draws utilization, booked revenue and the pipeline with the API’s numbers; a SALES key sees the same', async () => {
    const api = ok(
      await t.gql(SELLING_DASHBOARD, { providerId: null, from, to, closedFrom: addMonths(from, -11) }, PROVIDER_ADMIN),
    );
    const { page, problems } = await open(PROVIDER_ADMIN, 'selling');

    const utilization = await chartData(page, 'utilization');
    const totals = api.utilization.totals;
    expect(utilization.labels).toEqual(totals.map((m) => m.month));
    expect(utilization.datasets).toEqual({
      Committed: totals.map((m) => m.committedUnits),
      Conditional: totals.map((m) => m.conditionalUnits),
      Held: totals.map((m) => m.heldUnits),
      Available: totals.map((m) => m.availableUnits),
      Sellable: totals.map((m) => m.sellableUnits),
    });
    expect(totals.some((m) => m.committedUnits > 0)).toBe(true);
    const note = await page.locator('figure[data-chart="utilization"] .hsx-note').textContent();
    expect(note).toContain(`engagement slots used: ${api.utilization.engagementSlots.label}`);
    expect(note).toContain(
      `${api.utilization.phase}: ${Math.round(api.utilization.maxExternalShare * 1000) / 10}% of total capacity`,
    );
    // One offering at a time, from the same answer.
    const first = api.utilization.offerings[0];
    await page.getByLabel('Offering', { exact: true }).selectOption(first.offeringId);
    await page.waitForFunction(
      `document.querySelector('figure[data-chart="utilization"][data-drawn="true"] h3')?.textContent?.includes(${JSON.stringify(first.title)})`,
    );
    expect((await chartData(page, 'utilization')).datasets.Committed).toEqual(
      first.months.map((m) => m.committedUnits),
    );

    const revenue = api.bookedRevenue[0];
    const revenueTable = await tableView(page, 'revenue');
    expect(revenueTable[0]).toEqual(['Month', 'Committed', 'Conditional', 'Delivered', 'Engagements']);
    expect(revenueTable.slice(1).map((r) => [r[0], num(r[1]), num(r[2]), num(r[3]), num(r[4])])).toEqual(
      revenue.months.map((m) => [
        m.month,
        Number(m.committedAmount),
        Number(m.conditionalAmount),
        Number(m.deliveredAmount),
        m.engagements,
      ]),
    );
    expect((await chartData(page, 'revenue')).datasets.Committed).toEqual(
      revenue.months.map((m) => Number(m.committedAmount)),
    );

    const pipeline = await chartData(page, 'pipeline');
    expect(pipeline.labels).toEqual(api.pipeline.byExpiry.map((b) => b.label));
    expect(pipeline.datasets['Open quotes']).toEqual(api.pipeline.byExpiry.map((b) => b.count));
    const outcomes = await page
      .locator('table[data-table="outcomes"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    expect(outcomes.map((r) => [r[0], Number(r[1])])).toEqual(api.pipeline.outcomes.map((o) => [o.outcome, o.count]));
    const demandRows = await page.locator('table[data-table="servable-demand"] tbody tr').count();
    expect(demandRows).toBe(api.servableDemand.needs.length);

    // Keyboard: the chart takes focus and the arrow keys read its months out.
    const frame = page.locator('figure[data-chart="revenue"] .hsx-canvas');
    await frame.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('figure[data-chart="revenue"] .hsx-live').textContent()).toMatch(
      new RegExp(`^${revenue.months[1].month}: Committed `),
    );
    expect(await page.evaluate('window.hsxCharts.revenue.tooltip.getActiveElements().length')).toBeGreaterThan(0);

    if (process.env.SCREENSHOTS) {
      await page.getByLabel('Offering', { exact: true }).selectOption('');
      await page.screenshot({ path: path.join(DOCS, 'dashboard-provider.png'), fullPage: true });
    }
    expect(problems).toEqual([]);
    await page.close();

    // A SALES key reads the same views.
    const sales = await open(PROVIDER_SALES, 'selling');
    expect(await chartData(sales.page, 'utilization')).toEqual(utilization);
    expect(await chartData(sales.page, 'revenue')).toEqual(await chartData(sales.page, 'revenue'));
    expect((await chartData(sales.page, 'revenue')).datasets.Committed).toEqual(
      revenue.months.map((m) => Number(m.committedAmount)),
    );
    await expect(sales.page.locator('.hsx-status').textContent()).resolves.toContain('Signed in: SALES');
    await sales.page.close();
  });

  it('for a buyer key, draws an engagement’s delivery and each SLA metric against its target, and the vendor portfolio', async () => {
    const viewer = ok(await t.gql(DASHBOARD_VIEWER, {}, BUYER_ADMIN)).viewer;
    const api = ok(
      await t.gql(
        BUYING_DASHBOARD,
        { buyerId: viewer.organization!.id, filterBuyerId: viewer.organization!.id },
        BUYER_ADMIN,
      ),
    );
    const { page, problems } = await open(BUYER_ADMIN, 'buying');
    const engagementId = await page.getByLabel('Engagement', { exact: true }).inputValue();
    const card = api.engagements.edges.find((e) => e.node.id === engagementId)!.node.scorecard;
    expect(card.metrics.some((m) => m.points.length > 0)).toBe(true);

    const delivery = await chartData(page, 'delivery');
    expect(delivery.labels).toEqual(card.months.map((m) => m.month));
    expect(delivery.datasets).toEqual({
      Scheduled: card.months.map((m) => m.scheduledUnits),
      Delivered: card.months.map((m) => m.deliveredUnits ?? 0),
    });
    for (const m of card.metrics) {
      const chart = await chartData(page, `sla-${m.metric}`);
      expect(chart.labels).toEqual(m.points.map((p) => p.month));
      expect(chart.datasets[m.metric]).toEqual(m.points.map((p) => p.value));
      const target = Object.entries(chart.datasets).find(([label]) => label.startsWith('Target'))!;
      expect(target[1]).toEqual(m.points.map(() => m.target));
      const table = await tableView(page, `sla-${m.metric}`);
      expect(table.slice(1).map((r) => [r[0], num(r[1]), num(r[2]), r[3]])).toEqual(
        m.points.map((p) => [p.month, p.value, m.target, p.met ? 'yes' : 'no']),
      );
    }
    const portfolio = await page
      .locator('table[data-table="portfolio"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    expect(portfolio.map((r) => r[2])).toEqual(
      api.vendorPortfolio.categories.map((c) => (c.fragmented ? 'yes' : 'no')),
    );
    expect(portfolio.map((r) => r[0])).toEqual(api.vendorPortfolio.categories.map((c) => c.category.name));

    // Keyboard only: tab to the view buttons and switch.
    await page.getByRole('button', { name: 'Selling' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#dashboard[data-ready="selling"]').waitFor();
    await page.getByRole('button', { name: 'Buying' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#dashboard[data-ready="buying"]').waitFor();
    if (process.env.SCREENSHOTS) {
      await page.waitForFunction(`Object.keys(window.hsxCharts).some((k) => k.startsWith('sla-'))`);
      await page.screenshot({ path: path.join(DOCS, 'dashboard-buyer.png'), fullPage: true });
    }
    expect(problems).toEqual([]);
    await page.close();
    const urls = [...requested].filter((url) => !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(urls.filter((url) => !LOCAL.test(url))).toEqual([]);
  });
});
