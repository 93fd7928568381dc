// The /dashboard page: a provider's and a buyer's business as charts, each with tooltips, keyboard
// reading (arrow keys) and a table view of the same numbers. Every figure comes from the GraphQL
// queries in ../dashboard-queries.ts, sent with the API key the explorer keeps (same browser storage).
// Bundled with Chart.js by scripts/build-explorer.mjs; nothing is loaded from anywhere else.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from 'chart.js';
import { BUYING_DASHBOARD, DASHBOARD_VIEWER, SELLING_DASHBOARD } from '../dashboard-queries';
import { addMonths, monthOf } from '../../shared/month';
import './dashboard.css';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

const root = document.getElementById('dashboard')!;
const endpoint = root.dataset.endpoint ?? '/graphql';
const KEY_STORAGE = 'hsx-explorer:api-key'; // the explorer's: one key for both pages
const COLORS = {
  committed: '#1f4e9c',
  conditional: '#7aa6e6',
  held: '#e0a030',
  available: '#d5dbe5',
  sellable: '#c0392b',
  delivered: '#2e8b57',
  target: '#c0392b',
};
const SERIES = ['#1f4e9c', '#2e8b57', '#8e44ad', '#d35400', '#16a085'];

type Json = any; // GraphQL answers, shaped by the documents in dashboard-queries.ts

/** The page's charts by id, for anyone who wants to read their data back (the browser test does). */
const charts: Record<string, Chart> = {};
Object.assign(window, { hsxCharts: charts });

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const fmt = (v: number | string | null | undefined) => (v === null || v === undefined ? '–' : number.format(Number(v)));
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${number.format(Math.round(v * 1000) / 10)}%`;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

async function gql(apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${apiKey}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json().catch(() => ({ errors: [{ message: `HTTP ${res.status}` }] }));
  if (body.errors?.length) throw new Error(body.errors.map((e: { message: string }) => e.message).join(' '));
  return body.data;
}

// ---- Charts with a table view and keyboard reading --------------------------------------------

interface ChartSpec {
  id: string;
  title: string;
  note?: string;
  config: ChartConfiguration;
  /** The same numbers as a table: header and rows. */
  table: { head: string[]; rows: (string | number)[][] };
}

function tableOf(spec: ChartSpec, id: string): HTMLTableElement {
  return h(
    'table',
    { id, class: 'hsx-table', hidden: '' },
    h('caption', {}, spec.title),
    h('thead', {}, h('tr', {}, ...spec.table.head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...spec.table.rows.map((r) =>
        h(
          'tr',
          {},
          ...r.map((c, i) =>
            i === 0 ? h('th', { scope: 'row' }, String(c)) : h('td', {}, typeof c === 'number' ? fmt(c) : c),
          ),
        ),
      ),
    ),
  );
}

function chartFigure(spec: ChartSpec): HTMLElement {
  const canvas = h('canvas', {});
  const live = h('p', { class: 'hsx-live', 'aria-live': 'polite' });
  const frame = h(
    'div',
    {
      class: 'hsx-canvas',
      tabindex: '0',
      role: 'img',
      'aria-label': `${spec.title}. Left and right arrow keys read each point; the table view lists every number.`,
    },
    canvas,
  );
  const tableId = `table-${spec.id}`;
  const table = tableOf(spec, tableId);
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': tableId }, 'Show table');
  toggle.addEventListener('click', () => {
    const show = table.hidden;
    table.hidden = !show;
    toggle.setAttribute('aria-expanded', String(show));
    toggle.textContent = show ? 'Hide table' : 'Show table';
  });
  const figure = h(
    'figure',
    { class: 'hsx-chart', 'data-chart': spec.id },
    h('h3', {}, spec.title),
    ...(spec.note ? [h('p', { class: 'hsx-note' }, spec.note)] : []),
    frame,
    live,
    toggle,
    table,
  );
  // Drawn once the figure is in the page (Chart.js sizes the canvas from its container); `data-drawn`
  // then tells readers (the browser test) that `hsxCharts[id]` holds this figure's chart.
  let frames = 0;
  const draw = () => {
    if (!canvas.isConnected) return void (++frames < 600 && requestAnimationFrame(draw));
    charts[spec.id]?.destroy();
    const chart = new Chart(canvas, spec.config);
    charts[spec.id] = chart;
    keyboardTooltips(chart, frame, live);
    figure.dataset.drawn = 'true';
  };
  requestAnimationFrame(draw);
  return figure;
}

/** Arrow keys move a tooltip along the x axis; the tooltip's text is also announced. */
function keyboardTooltips(chart: Chart, frame: HTMLElement, live: HTMLElement) {
  let index = -1;
  const count = () => chart.data.labels?.length ?? 0;
  const show = () => {
    const active = chart.data.datasets
      .map((_, datasetIndex) => ({ datasetIndex, index }))
      .filter((a) => chart.isDatasetVisible(a.datasetIndex));
    const el = chart.getDatasetMeta(active[0]?.datasetIndex ?? 0).data[index];
    chart.setActiveElements(active);
    chart.tooltip?.setActiveElements(active, { x: el?.x ?? 0, y: el?.y ?? 0 });
    chart.update();
    live.textContent = `${chart.data.labels?.[index]}: ${chart.data.datasets
      .filter((_, i) => chart.isDatasetVisible(i))
      .map((d) => `${d.label} ${fmt(d.data[index] as number)}`)
      .join(', ')}`;
  };
  frame.addEventListener('keydown', (e) => {
    const n = count();
    if (!n) return;
    if (e.key === 'ArrowRight') index = Math.min(n - 1, index + 1);
    else if (e.key === 'ArrowLeft') index = Math.max(0, index < 0 ? 0 : index - 1);
    else if (e.key === 'Home') index = 0;
    else if (e.key === 'End') index = n - 1;
    else return;
    e.preventDefault();
    show();
  });
  frame.addEventListener('blur', () => {
    chart.setActiveElements([]);
    chart.tooltip?.setActiveElements([], { x: 0, y: 0 });
    chart.update();
  });
}

/** A dataset of a mixed bar and line chart (Chart.js types each dataset by its own `type`). */
type Dataset = ChartConfiguration['data']['datasets'][number];

const bar = (label: string, data: number[], color: string, stack?: string): Dataset =>
  ({ type: 'bar', label, data, backgroundColor: color, stack, order: 2 }) as ChartDataset<'bar', number[]> as Dataset;
const line = (label: string, data: (number | null)[], color: string, dashed = false): Dataset =>
  ({
    type: 'line',
    label,
    data,
    borderColor: color,
    backgroundColor: color,
    borderDash: dashed ? [6, 4] : [],
    pointRadius: dashed ? 0 : 3,
    tension: 0,
    order: 1,
  }) as ChartDataset<'line', (number | null)[]> as unknown as Dataset;

function config(labels: string[], datasets: Dataset[], stacked: boolean, yTitle: string): ChartConfiguration {
  return {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmt(c.parsed.y)}` } },
      },
      scales: { x: { stacked }, y: { stacked, beginAtZero: true, title: { display: true, text: yTitle } } },
    },
  };
}

// ---- Selling -------------------------------------------------------------------------------------

function utilizationSpec(u: Json, offeringId: string): ChartSpec {
  const scope = offeringId ? u.offerings.find((o: Json) => o.offeringId === offeringId) : null;
  const months: Json[] = scope ? scope.months : u.totals;
  const labels = months.map((m) => m.month);
  const share = `${u.phase}: ${Math.round(u.maxExternalShare * 1000) / 10}% of total capacity`;
  return {
    id: 'utilization',
    title: `Capacity utilization${scope ? `: ${scope.title}` : ', all offerings'}`,
    note: `Phase ${share} is sellable; engagement slots used: ${u.engagementSlots.label}.${scope?.peakMonth ? ` Peak ${scope.peakMonth} at ${pct(scope.peakUtilization)}, ${fmt(scope.headroomUnits)} units of headroom.` : ''}`,
    config: config(
      labels,
      [
        bar(
          'Committed',
          months.map((m) => m.committedUnits),
          COLORS.committed,
          'sold',
        ),
        bar(
          'Conditional',
          months.map((m) => m.conditionalUnits),
          COLORS.conditional,
          'sold',
        ),
        bar(
          'Held',
          months.map((m) => m.heldUnits),
          COLORS.held,
          'sold',
        ),
        bar(
          'Available',
          months.map((m) => m.availableUnits),
          COLORS.available,
          'sold',
        ),
        line(
          `Sellable (${share})`,
          months.map((m) => m.sellableUnits),
          COLORS.sellable,
          true,
        ),
      ],
      true,
      'units',
    ),
    table: {
      head: ['Month', 'Committed', 'Conditional', 'Held', 'Available', 'Sellable', 'Total', 'Utilization'],
      rows: months.map((m) => [
        m.month,
        m.committedUnits,
        m.conditionalUnits,
        m.heldUnits,
        m.availableUnits,
        m.sellableUnits,
        m.totalUnits,
        pct(m.utilization),
      ]),
    },
  };
}

function revenueSpec(r: Json | undefined, labels: string[]): ChartSpec {
  const months: Json[] =
    r?.months ??
    labels.map((month) => ({
      month,
      committedAmount: '0',
      conditionalAmount: '0',
      deliveredAmount: '0',
      engagements: 0,
    }));
  const currency = r?.currency ?? 'USD';
  return {
    id: 'revenue',
    title: `Booked revenue by month (${currency})`,
    note: r
      ? `Committed ${fmt(r.committedTotal)}, conditional ${fmt(r.conditionalTotal)}, delivered ${fmt(r.deliveredTotal)} over the range.`
      : 'No engagements in the range.',
    config: config(
      months.map((m) => m.month),
      [
        bar(
          'Committed',
          months.map((m) => Number(m.committedAmount)),
          COLORS.committed,
          'booked',
        ),
        bar(
          'Conditional',
          months.map((m) => Number(m.conditionalAmount)),
          COLORS.conditional,
          'booked',
        ),
        line(
          'Delivered',
          months.map((m) => Number(m.deliveredAmount)),
          COLORS.delivered,
        ),
      ],
      true,
      currency,
    ),
    table: {
      head: ['Month', 'Committed', 'Conditional', 'Delivered', 'Engagements'],
      rows: months.map((m) => [m.month, m.committedAmount, m.conditionalAmount, m.deliveredAmount, m.engagements]),
    },
  };
}

function pipelineSpec(p: Json): ChartSpec {
  const currency = p.openTotals[0]?.currency ?? 'USD';
  const value = (b: Json) => Number(b.totals.find((t: Json) => t.currency === currency)?.amount ?? 0);
  const count = {
    ...line(
      'Open quotes',
      p.byExpiry.map((b: Json) => b.count),
      COLORS.held,
    ),
    yAxisID: 'count',
  } as Dataset;
  const chart = config(
    p.byExpiry.map((b: Json) => b.label),
    [bar('Open value', p.byExpiry.map(value), COLORS.committed), count],
    false,
    currency,
  );
  // Counts on their own axis (right), so a handful of quotes does not vanish next to their value.
  chart.options!.scales!.count = {
    position: 'right',
    beginAtZero: true,
    grid: { drawOnChartArea: false },
    ticks: { precision: 0 },
    title: { display: true, text: 'quotes' },
  };
  return {
    id: 'pipeline',
    title: `Open pipeline by expiry (${currency})`,
    note: `Open value ${fmt(p.openTotals[0]?.amount ?? 0)} ${currency}; ${p.expiringSoonCount} quote(s) lapse within 7 days. Win rate ${pct(p.winRate)}.`,
    config: chart,
    table: {
      head: ['Lapses in', 'Open quotes', `Value (${currency})`],
      rows: p.byExpiry.map((b: Json) => [b.label, b.count, value(b).toFixed(2)]),
    },
  };
}

function outcomesTable(p: Json): HTMLElement {
  return h(
    'table',
    { class: 'hsx-table', 'data-table': 'outcomes' },
    h('caption', {}, `Closed quotes since the period start (win rate ${pct(p.winRate)})`),
    h(
      'thead',
      {},
      h('tr', {}, ...['Outcome', 'Quotes', 'Value', 'Reasons given'].map((c) => h('th', { scope: 'col' }, c))),
    ),
    h(
      'tbody',
      {},
      ...p.outcomes.map((o: Json) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, o.outcome),
          h('td', {}, fmt(o.count)),
          h('td', {}, o.totals.map((t: Json) => `${fmt(t.amount)} ${t.currency}`).join(', ') || '–'),
          h('td', { class: 'hsx-text' }, o.reasons.map((r: Json) => `${r.reason} (${r.count})`).join('; ') || '–'),
        ),
      ),
    ),
  );
}

function demandTable(d: Json): HTMLElement {
  return h(
    'table',
    { class: 'hsx-table', 'data-table': 'servable-demand' },
    h('caption', {}, `Open needs you can serve: ${d.totalCount} (${d.quotedCount} quoted), best fit first`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Buyer', 'Category', 'Units / month', 'Months', 'Fit', 'Quoted'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      ...d.needs.map((n: Json) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, n.need?.buyer?.name ?? n.needId),
          h('td', { class: 'hsx-text' }, n.categoryCode),
          h('td', {}, fmt(n.monthlyVolume)),
          h('td', {}, `${n.months[0]} – ${n.months[n.months.length - 1]}`),
          h('td', {}, fmt(n.bestFit)),
          h('td', {}, n.quoted ? 'yes' : 'no'),
        ),
      ),
    ),
  );
}

async function renderSelling(apiKey: string, orgId: string | null): Promise<HTMLElement[]> {
  const from = monthOf(new Date());
  const to = addMonths(from, 11);
  const data = await gql(apiKey, SELLING_DASHBOARD, { providerId: orgId, from, to, closedFrom: addMonths(from, -11) });
  const u = data.utilization;
  const select = h(
    'select',
    { id: 'hsx-offering' },
    h('option', { value: '' }, 'All offerings'),
    ...u.offerings.map((o: Json) => h('option', { value: o.offeringId }, `${o.title} (${o.categoryCode})`)),
  );
  const slot = h('div', {});
  const draw = () => slot.replaceChildren(chartFigure(utilizationSpec(u, select.value)));
  select.addEventListener('change', draw);
  draw();
  return [
    h(
      'section',
      { 'aria-labelledby': 'hsx-cap' },
      h('h2', { id: 'hsx-cap' }, 'Capacity'),
      h('label', { for: 'hsx-offering' }, 'Offering '),
      select,
      slot,
    ),
    h(
      'section',
      { 'aria-labelledby': 'hsx-rev' },
      h('h2', { id: 'hsx-rev' }, 'Revenue'),
      chartFigure(
        revenueSpec(
          data.bookedRevenue[0],
          u.totals.map((m: Json) => m.month),
        ),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'hsx-pipe' },
      h('h2', { id: 'hsx-pipe' }, 'Pipeline'),
      chartFigure(pipelineSpec(data.pipeline)),
      outcomesTable(data.pipeline),
    ),
    h(
      'section',
      { 'aria-labelledby': 'hsx-demand' },
      h('h2', { id: 'hsx-demand' }, 'Demand'),
      demandTable(data.servableDemand),
    ),
  ];
}

// ---- Buying --------------------------------------------------------------------------------------

function deliverySpec(s: Json): ChartSpec {
  return {
    id: 'delivery',
    title: 'Delivered against scheduled units',
    note: `Spend to date ${fmt(s.spendToDate)} of ${fmt(s.quoteTotal)} ${s.currency} quoted; ${s.disputesOpen} open dispute(s); SLA attainment ${pct(s.attainment)}.`,
    config: config(
      s.months.map((m: Json) => m.month),
      [
        bar(
          'Scheduled',
          s.months.map((m: Json) => m.scheduledUnits),
          COLORS.conditional,
        ),
        bar(
          'Delivered',
          s.months.map((m: Json) => m.deliveredUnits ?? 0),
          COLORS.delivered,
        ),
      ],
      false,
      'units',
    ),
    table: {
      head: ['Month', 'Scheduled', 'Delivered', 'SLA attainment', 'Disputed'],
      rows: s.months.map((m: Json) => [
        m.month,
        m.scheduledUnits,
        m.deliveredUnits ?? '–',
        pct(m.attainment),
        m.disputed ? 'yes' : 'no',
      ]),
    },
  };
}

function metricSpec(m: Json, i: number): ChartSpec {
  const sign = m.direction === 'AT_LEAST' ? '≥' : '≤';
  const labels = m.points.map((p: Json) => p.month);
  return {
    id: `sla-${m.metric}`,
    title: `${m.metric} (target ${sign} ${fmt(m.target)}${m.unit ? ` ${m.unit}` : ''})`,
    note: `Met in ${pct(m.attainment)} of reported months.`,
    config: config(
      labels,
      [
        line(
          m.metric,
          m.points.map((p: Json) => p.value),
          SERIES[i % SERIES.length],
        ),
        line(
          `Target ${sign} ${fmt(m.target)}`,
          labels.map(() => m.target),
          COLORS.target,
          true,
        ),
      ],
      false,
      m.unit ?? '',
    ),
    table: {
      head: ['Month', 'Value', 'Target', 'Met'],
      rows: m.points.map((p: Json) => [p.month, p.value, m.target, p.met ? 'yes' : 'no']),
    },
  };
}

function portfolioTable(p: Json): HTMLElement {
  return h(
    'table',
    { class: 'hsx-table', 'data-table': 'portfolio' },
    h(
      'caption',
      {},
      `Vendors per function: ${p.activeEngagements} active engagement(s) with ${p.vendorCount} provider(s); ${p.fragmentedCategories} fragmented function(s)`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Function', 'Providers', 'Fragmented', 'Consolidation candidates'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      ...p.categories.map((c: Json) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, c.category?.name ?? c.categoryCode),
          h(
            'td',
            { class: 'hsx-text' },
            c.vendors.map((v: Json) => `${v.provider.name} (${v.engagementIds.length})`).join(', '),
          ),
          h('td', {}, c.fragmented ? 'yes' : 'no'),
          h('td', { class: 'hsx-text' }, c.consolidationCandidates.map((o: Json) => o.name).join(', ') || '–'),
        ),
      ),
    ),
  );
}

async function renderBuying(apiKey: string, orgId: string | null): Promise<HTMLElement[]> {
  const data = await gql(apiKey, BUYING_DASHBOARD, { buyerId: orgId, filterBuyerId: orgId });
  const engagements: Json[] = data.engagements.edges.map((e: Json) => e.node);
  const withReports = engagements.find((e) => e.scorecard.metrics.some((m: Json) => m.points.length)) ?? engagements[0];
  const select = h(
    'select',
    { id: 'hsx-engagement' },
    ...engagements.map((e) =>
      h('option', { value: e.id }, `${e.provider.name}: ${e.offering.title} (${e.status}, ${e.phase})`),
    ),
  );
  if (withReports) select.value = withReports.id;
  const slot = h('div', {});
  const draw = () => {
    const e = engagements.find((x) => x.id === select.value);
    slot.replaceChildren(
      ...(e
        ? [chartFigure(deliverySpec(e.scorecard)), ...e.scorecard.metrics.map(metricSpec).map(chartFigure)]
        : [h('p', {}, 'No engagements yet.')]),
    );
  };
  select.addEventListener('change', draw);
  draw();
  return [
    h(
      'section',
      { 'aria-labelledby': 'hsx-score' },
      h('h2', { id: 'hsx-score' }, 'Scorecard'),
      h('label', { for: 'hsx-engagement' }, 'Engagement '),
      select,
      slot,
    ),
    h(
      'section',
      { 'aria-labelledby': 'hsx-vendors' },
      h('h2', { id: 'hsx-vendors' }, 'Vendors'),
      portfolioTable(data.vendorPortfolio),
    ),
  ];
}

// ---- The page ------------------------------------------------------------------------------------

type View = 'selling' | 'buying';

function page() {
  const params = new URLSearchParams(location.search);
  const keyInput = h('input', {
    id: 'hsx-api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'paste your key (sent as Authorization: Bearer …)',
  });
  keyInput.value = localStorage.getItem(KEY_STORAGE) ?? '';
  const status = h('span', { class: 'hsx-status', role: 'status' });
  const form = h(
    'form',
    {},
    h('label', { for: 'hsx-api-key' }, 'API key'),
    keyInput,
    h('button', { type: 'submit' }, 'Save key'),
  );
  const tabs = (['selling', 'buying'] as View[]).map((v) =>
    h('button', { type: 'button', 'data-view': v, 'aria-pressed': 'false' }, v === 'selling' ? 'Selling' : 'Buying'),
  );
  const main = h('main', { id: 'hsx-main', tabindex: '-1' });
  root.replaceChildren(
    h(
      'header',
      { class: 'hsx-bar' },
      h('span', { class: 'hsx-title' }, 'Health Services Exchange · Dashboard'),
      form,
      status,
      h('a', { href: '/graphql', class: 'hsx-link' }, 'Explorer'),
    ),
    h('nav', { class: 'hsx-tabs', 'aria-label': 'Views' }, ...tabs),
    main,
  );
  let view: View = location.hash === '#buying' ? 'buying' : 'selling';
  let viewer: { role: string; organization: { id: string; name: string } | null } | null = null;
  const orgId = () => params.get('org') ?? viewer?.organization?.id ?? null;

  let generation = 0; // only the latest render (key or view changed meanwhile) may fill the page
  const render = async () => {
    const mine = ++generation;
    const current = () => mine === generation;
    delete root.dataset.ready;
    for (const t of tabs) t.setAttribute('aria-pressed', String(t.dataset.view === view));
    const apiKey = localStorage.getItem(KEY_STORAGE) ?? '';
    if (!apiKey) {
      status.textContent = 'No key saved: enter your API key to see your dashboard.';
      main.replaceChildren();
      return;
    }
    main.setAttribute('aria-busy', 'true');
    try {
      const who = viewer ?? (await gql(apiKey, DASHBOARD_VIEWER)).viewer;
      if (!current()) return;
      viewer = who;
      status.textContent = `Signed in: ${who.role} · ${who.organization?.name ?? 'operator'}`;
      if (!orgId()) {
        main.replaceChildren(
          h('p', {}, 'Operator keys: add ?org=<organization id> to the address to see an organization’s dashboard.'),
        );
        return;
      }
      const sections = await (view === 'selling' ? renderSelling : renderBuying)(apiKey, orgId());
      if (!current()) return;
      main.replaceChildren(...sections);
      root.dataset.ready = view;
    } catch (e) {
      if (!current()) return;
      viewer = null;
      status.textContent = `Key refused or request failed: ${e instanceof Error ? e.message : String(e)}`;
      main.replaceChildren();
    } finally {
      if (current()) main.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = keyInput.value.trim();
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    viewer = null;
    void render();
  });
  for (const t of tabs) {
    t.addEventListener('click', () => {
      view = t.dataset.view as View;
      history.replaceState(null, '', `${location.pathname}${location.search}#${view}`);
      void render();
    });
  }
  void render();
}

page();
