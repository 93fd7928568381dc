// Load test (autocannon): mixed traffic (reads, matches, needs, quote issue/accept) against one API
// instance for BENCH_DURATION seconds, then the capacity invariant checked through the API. Meanwhile
// half the buyers' webhooks point at a slow local receiver (BENCH_SLOW_RECEIVER_MS, 2 s per answer)
// and the other half's at a prompt one, and BENCH_SUBSCRIBERS (50) WebSocket subscribers follow new
// needs: the prompt tenants' deliveries must stay on time (p99 under BENCH_ON_TIME_MS, 5 s).
// `npm run bench:load`. Starts its own PostgreSQL and API unless BENCH_URL (+ BENCH_OPERATOR_KEY) is given.
// Operations missing from the schema are skipped. Exit code 1 on any error other than business userErrors.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres';

const DURATION = Number(process.env.BENCH_DURATION ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Requests per second offered, across connections; 0 (the default) sends as fast as the API answers. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const PROVIDERS = 4;
const BUYERS = 4;
const SLOW_RECEIVER_MS = Number(process.env.BENCH_SLOW_RECEIVER_MS ?? 2000);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 50);
const ON_TIME_MS = Number(process.env.BENCH_ON_TIME_MS ?? 5000);

/** A local webhook receiver answering 200 after `delayMs`; records each delivery's lag behind its event. */
async function receiver(delayMs: number) {
  const lags: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        lags.push(Date.now() - new Date(JSON.parse(body).occurredAt).getTime());
      } catch {
        /* counted as delivered anyway */
      }
      setTimeout(() => res.end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    lags,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const root = path.resolve(__dirname, '..', ...(path.basename(path.dirname(__dirname)) === 'dist' ? ['..'] : []));

interface Gql {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const monthAfter = (offset: number) => {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
};

async function call(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<Gql> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql;
}

/** The data of a mutation payload, or throws naming its errors. */
async function must(url: string, key: string, query: string, variables: Record<string, unknown>, field: string) {
  const r = await call(url, key, query, variables);
  const payload = r.data?.[field];
  if (r.errors?.length || !payload || payload.userErrors?.length)
    throw new Error(`${field}: ${JSON.stringify(r.errors ?? payload?.userErrors ?? r)}`);
  return payload;
}

async function startOwnInstance(): Promise<{ url: string; operatorKey: string; stop: () => Promise<void> }> {
  const db: EmbeddedDatabase = await startEmbeddedPostgres({
    dataDir: mkdtempSync(path.join(tmpdir(), 'hsx-bench-')),
    database: 'bench',
    ephemeral: true,
  });
  const port = await freePort();
  const operatorKey = 'bench-operator-' + randomBytes(16).toString('hex');
  const server: ChildProcess = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      // Production settings, except that webhooks may target this machine's receivers (refused in production).
      NODE_ENV: 'test',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      SQL_COUNT_HEADER: 'false',
      // The per-key limit (6,000 points a minute by default) is the suite's to test; here 16 connections
      // share 8 keys on purpose, so the load sets it high enough to measure the rest.
      RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? '1000000',
      PORT: String(port),
      DATABASE_URL: db.url,
      OPERATOR_API_KEY: operatorKey,
      DEMO_DATA: 'false',
      WEBHOOK_SECRETS_KEY: process.env.WEBHOOK_SECRETS_KEY || 'bench-webhook-secrets-key-0123456789abcdef',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      REDIS_URL: process.env.BENCH_REDIS_URL ?? '',
    },
    stdio: ['ignore', process.env.BENCH_SERVER_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; ; i++) {
    if (server.exitCode !== null) throw new Error('the API exited during start');
    if (i > 300) throw new Error('the API did not become ready');
    if (
      await fetch(url.replace('/graphql', '/readyz')).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    operatorKey,
    async stop() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
      await db.stop();
    },
  };
}

interface World {
  providers: { id: string; key: string; offeringId: string }[];
  buyers: { id: string; key: string }[];
}

async function buildWorld(url: string, op: string, has: (name: string) => boolean): Promise<World> {
  const tag = randomBytes(3).toString('hex');
  const org = (name: string, kind: string) =>
    must(
      url,
      op,
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`,
      { i: { name, kind, stateCode: 'US-OH', ehrPlatformCode: 'EPIC', beds: 300 } },
      'createOrganization',
    ).then((p) => p.organization.id as string);
  const key = (organizationId: string) =>
    must(
      url,
      op,
      `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret userErrors { code message } } }`,
      { i: { organizationId, role: 'ADMIN', label: 'bench' } },
      'createApiKey',
    ).then((p) => p.secret as string);

  const world: World = { providers: [], buyers: [] };
  for (let i = 0; i < PROVIDERS; i++) {
    const id = await org(`Bench provider ${tag}-${i}`, 'HEALTH_SYSTEM');
    const k = await key(id);
    const offering = await must(
      url,
      k,
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code field message } } }`,
      {
        i: {
          categoryCode: 'REVENUE_CYCLE',
          title: `Bench revenue cycle ${tag}-${i}`,
          description: 'Claims and denials.',
          ehrPlatformCodes: ['EPIC'],
          regionCodes: ['US-OH'],
          pricing: {
            currency: 'USD',
            unitPrice: '5.25',
            setupFee: '1000.00',
            monthlyMinimum: '0.00',
            tiers: [{ fromUnits: 1000, unitPrice: '4.75' }],
          },
          slaTargets: [{ metric: 'clean_claim_rate_pct', target: 95, unit: '%', direction: 'AT_LEAST' }],
          certifications: ['HIPAA_BAA'],
        },
      },
      'createOffering',
    );
    const offeringId = offering.offering.id as string;
    await must(
      url,
      k,
      `mutation($i: PublishOfferingInput!) { publishOffering(input: $i) { userErrors { code message } } }`,
      { i: { id: offeringId } },
      'publishOffering',
    );
    if (has('setCapacity')) {
      const months = Array.from({ length: 24 }, (_, m) => ({ month: monthAfter(m), totalUnits: 200_000 }));
      await must(
        url,
        k,
        `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code message } } }`,
        { i: { offeringId, months } },
        'setCapacity',
      );
    }
    if (has('setPhasePolicy')) {
      // A wide-open last phase, reached by operator override, so that accepts are limited by capacity, not by phase caps.
      const phases = [
        { name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 2 },
        { name: 'SCALE', maxExternalShare: 0.5, maxActiveEngagements: null },
      ];
      // By the operator: a provider's own loosening waits for the operator's approval.
      const set = await call(
        url,
        op,
        `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code message } } }`,
        { i: { providerId: id, phases } },
      );
      if (has('advanceProviderPhase') && !set.errors && !set.data?.setPhasePolicy?.userErrors?.length) {
        await call(
          url,
          op,
          `mutation($i: AdvanceProviderPhaseInput!) { advanceProviderPhase(input: $i) { userErrors { code message } } }`,
          { i: { providerId: id, overrideReason: 'load test' } },
        );
      }
    }
    world.providers.push({ id, key: k, offeringId });
  }
  for (let i = 0; i < BUYERS; i++) {
    const id = await org(`Bench buyer ${tag}-${i}`, 'HOSPITAL');
    world.buyers.push({ id, key: await key(id) });
  }
  return world;
}

/** What the run saw, by kind: HTTP statuses, top-level error codes, business userError codes, operations. */
const seen = {
  status: new Map<number, number>(),
  topLevel: new Map<string, number>(),
  userErrors: new Map<string, number>(),
  operations: new Map<string, number>(),
};
const bump = (m: Map<string | number, number>, k: string | number) => m.set(k, (m.get(k) ?? 0) + 1);

type Ctx = { needId?: string; offeringId?: string; quoteId?: string; buyer?: number };
interface Step {
  name: string;
  needs: string[];
  request(ctx: Ctx, w: World): { key: string; query: string; variables: Record<string, unknown> } | null;
  onData?(data: any, ctx: Ctx): void;
}

const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];

const STEPS: Step[] = [
  {
    name: 'readOfferings',
    needs: ['offerings'],
    request: (_c, w) => ({
      key: pick(w.buyers).key,
      query: `query ReadOfferings { offerings(first: 20, filter: { categoryCode: "REVENUE_CYCLE" }) { totalCount edges { node { id title provider { id name } pricing { unitPrice } } } } }`,
      variables: {},
    }),
  },
  {
    name: 'createNeed',
    needs: ['createNeed'],
    request: (c, w) => {
      c.buyer = Math.floor(Math.random() * w.buyers.length);
      return {
        key: w.buyers[c.buyer].key,
        query: `mutation CreateNeed($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code message } } }`,
        variables: {
          i: {
            categoryCode: 'REVENUE_CYCLE',
            monthlyVolume: 200 + Math.floor(Math.random() * 800),
            startMonth: monthAfter(1 + Math.floor(Math.random() * 12)),
            durationMonths: 6,
            ehrPlatformCode: 'EPIC',
            regionCode: 'US-OH',
          },
        },
      };
    },
    onData: (d, c) => (c.needId = d.createNeed?.need?.id),
  },
  {
    name: 'matches',
    needs: ['matches'],
    request: (c, w) =>
      c.needId
        ? {
            key: w.buyers[c.buyer ?? 0].key,
            query: `query Matches($id: ID!) { matches(needId: $id, first: 5) { score fullyAvailable offering { id } } }`,
            variables: { id: c.needId },
          }
        : null,
    onData: (d, c) => (c.offeringId = d.matches?.[0]?.offering?.id),
  },
  {
    name: 'issueQuote',
    needs: ['issueQuote'],
    request: (c, w) => {
      const p = w.providers.find((x) => x.offeringId === c.offeringId) ?? pick(w.providers);
      if (!c.needId) return null;
      return {
        key: p.key,
        query: `mutation IssueQuote($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code message } } }`,
        variables: {
          i: {
            needId: c.needId,
            offeringId: p.offeringId,
            pilotMonths: 2,
            pilotUnits: 50,
            expansionMonths: 2,
            expansionUnits: 150,
            validDays: 7,
          },
        },
      };
    },
    onData: (d, c) => (c.quoteId = d.issueQuote?.quote?.id),
  },
  {
    name: 'acceptQuote',
    needs: ['acceptQuote'],
    request: (c, w) =>
      c.quoteId
        ? {
            key: w.buyers[c.buyer ?? 0].key,
            query: `mutation AcceptQuote($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id } userErrors { code message } } }`,
            variables: { i: { quoteId: c.quoteId } },
          }
        : null,
  },
  {
    name: 'readNeeds',
    needs: ['needs'],
    request: (_c, w) => ({
      key: pick(w.providers).key,
      query: `query OpenNeeds { needs(first: 20, filter: { status: OPEN }) { totalCount edges { node { id monthlyVolume startMonth } } } }`,
      variables: {},
    }),
  },
  {
    name: 'capacity',
    needs: ['capacityOverview'],
    request: (_c, w) => {
      const p = pick(w.providers);
      return {
        key: p.key,
        query: `query Capacity($p: ID!, $f: Month!, $t: Month!) { capacityOverview(providerId: $p, from: $f, to: $t) { months { month sellableUnits availableUnits } } }`,
        variables: { p: p.id, f: monthAfter(0), t: monthAfter(11) },
      };
    },
  },
];

/** Held + committed + conditional never exceed sellable, for every offering and month. */
async function checkCapacityInvariant(
  url: string,
  op: string,
  w: World,
): Promise<{ months: number; violations: string[] }> {
  const violations: string[] = [];
  let months = 0;
  for (const p of w.providers) {
    const r = await call(
      url,
      op,
      `query($p: ID!, $f: Month!, $t: Month!) { capacityOverview(providerId: $p, from: $f, to: $t) { offering { id } months { month sellableUnits heldUnits committedUnits conditionalUnits } } }`,
      { p: p.id, f: monthAfter(0), t: monthAfter(23) },
    );
    if (r.errors) throw new Error(`capacityOverview: ${JSON.stringify(r.errors)}`);
    for (const o of r.data.capacityOverview) {
      for (const m of o.months) {
        months++;
        const reserved = (m.heldUnits ?? 0) + (m.committedUnits ?? 0) + (m.conditionalUnits ?? 0);
        if (reserved > m.sellableUnits)
          violations.push(`${o.offering.id} ${m.month}: ${reserved} reserved > ${m.sellableUnits} sellable`);
      }
    }
  }
  return { months, violations };
}

const cleanups: (() => unknown)[] = [];

async function main() {
  const own = process.env.BENCH_URL ? null : await startOwnInstance();
  const url = own?.url ?? process.env.BENCH_URL!;
  const op = own?.operatorKey ?? process.env.BENCH_OPERATOR_KEY!;
  if (!op) throw new Error('BENCH_URL needs BENCH_OPERATOR_KEY');
  try {
    const schema = await call(
      url,
      op,
      '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }',
    );
    const names = new Set<string>(
      [...schema.data.__schema.queryType.fields, ...schema.data.__schema.mutationType.fields].map(
        (f: { name: string }) => f.name,
      ),
    );
    const has = (n: string) => names.has(n);
    const steps = STEPS.filter((s) => s.needs.every(has));
    const skipped = STEPS.filter((s) => !steps.includes(s)).map((s) => s.name);
    const world = await buildWorld(url, op, has);
    // Webhooks: buyers 0-1 to a slow receiver, buyers 2-3 to a prompt one; subscribers follow new needs.
    const slow = await receiver(SLOW_RECEIVER_MS);
    const prompt = await receiver(0);
    cleanups.push(slow.close, prompt.close);
    if (has('createWebhook')) {
      for (const [i, b] of world.buyers.entries()) {
        await must(
          url,
          b.key,
          `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { code message } } }`,
          { i: { url: i < 2 ? slow.url : prompt.url, events: ['need.*', 'quote.*', 'engagement.*'] } },
          'createWebhook',
        );
      }
    }
    let subscriberEvents = 0;
    const subscriberErrors: unknown[] = [];
    const wsUrl = url.replace(/^http/, 'ws');
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client: WsClient = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${world.providers[i % world.providers.length].key}` },
        retryAttempts: 0,
        lazy: true,
      });
      cleanups.push(() => client.dispose());
      client.subscribe(
        { query: 'subscription { needEvents { type need { id monthlyVolume } } }' },
        {
          next: (r) => (r.errors ? subscriberErrors.push(r.errors) : subscriberEvents++),
          error: (e) => subscriberErrors.push(String((e as { code?: number }).code ?? e)),
          complete: () => {},
        },
      );
    }
    console.log(
      `world: ${PROVIDERS} providers, ${BUYERS} buyers; steps: ${steps.map((s) => s.name).join(', ')}${skipped.length ? `; skipped (not in schema): ${skipped.join(', ')}` : ''}`,
    );

    // A step that cannot run (its input failed earlier in the sequence) becomes a read instead.
    const fallback = STEPS[0];
    const requests: autocannon.Request[] = steps.map((step) => ({
      method: 'POST',
      path: new URL(url).pathname,
      setupRequest: (req: autocannon.Request, context: object) => {
        const ctx = context as Ctx & { current?: Step };
        let built = step.request(ctx, world);
        ctx.current = built ? step : fallback;
        built ??= fallback.request(ctx, world)!;
        return {
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${built.key}` },
          body: JSON.stringify({ query: built.query, variables: built.variables }),
        };
      },
      onResponse: (status: number, body: string, context: object) => {
        const ran = (context as { current?: Step }).current ?? step;
        bump(seen.status, status);
        bump(seen.operations, ran.name);
        let parsed: Gql;
        try {
          parsed = JSON.parse(body) as Gql;
        } catch {
          bump(seen.topLevel, 'UNPARSEABLE_BODY');
          return;
        }
        for (const e of parsed.errors ?? []) bump(seen.topLevel, e.extensions?.code ?? 'UNKNOWN');
        for (const payload of Object.values(parsed.data ?? {})) {
          for (const u of (payload as { userErrors?: { code: string }[] } | null)?.userErrors ?? [])
            bump(seen.userErrors, u.code);
        }
        if (parsed.data && ran === step) step.onData?.(parsed.data, context as Ctx);
      },
    }));

    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      ...(RATE ? { overallRate: RATE } : {}),
      duration: DURATION,
      requests,
      initialContext: {},
    });
    await new Promise((r) => setTimeout(r, 3000)); // the last events reach subscribers and the prompt receiver
    const invariant = has('capacityOverview') ? await checkCapacityInvariant(url, op, world) : null;
    const engagements = has('engagements')
      ? (await call(url, op, '{ engagements(first: 1) { totalCount } }')).data?.engagements?.totalCount
      : undefined;

    // RATE_LIMITED is the API doing its job (only when RATE_LIMIT_PER_MINUTE is set low): counted, not a failure.
    const failures =
      [...seen.topLevel].filter(([code]) => code !== 'RATE_LIMITED').reduce((a, [, n]) => a + n, 0) +
      result.errors +
      result.non2xx -
      (seen.status.get(429) ?? 0) +
      subscriberErrors.length;
    const promptP99 = percentile(prompt.lags, 99);
    const onTime = promptP99 === null || promptP99 <= ON_TIME_MS;
    const summary = {
      durationSeconds: result.duration,
      connections: CONNECTIONS,
      offeredRatePerSecond: RATE || 'as fast as answered',
      requests: result.requests.total,
      throughputPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      httpStatus: Object.fromEntries(seen.status),
      connectionErrors: result.errors,
      timeouts: result.timeouts,
      topLevelErrors: Object.fromEntries(seen.topLevel),
      businessUserErrors: Object.fromEntries(seen.userErrors),
      operations: Object.fromEntries(seen.operations),
      engagementsCreated: engagements,
      capacityInvariant: invariant
        ? { monthsChecked: invariant.months, violations: invariant.violations.length }
        : 'skipped (no capacityOverview)',
      webhooks: {
        slowReceiver: {
          answerMs: SLOW_RECEIVER_MS,
          delivered: slow.lags.length,
          lagMsP50: percentile(slow.lags, 50),
          lagMsP99: percentile(slow.lags, 99),
        },
        promptReceivers: {
          delivered: prompt.lags.length,
          lagMsP50: percentile(prompt.lags, 50),
          lagMsP99: promptP99,
          lagMsMax: percentile(prompt.lags, 100),
          onTime,
        },
      },
      subscribers: { count: SUBSCRIBERS, eventsReceived: subscriberEvents, errors: subscriberErrors.length },
      errorsOtherThanUserErrors: failures,
    };
    console.log(JSON.stringify(summary, null, 2));
    if (invariant?.violations.length) console.error(invariant.violations.slice(0, 20).join('\n'));
    if (subscriberErrors.length) console.error(JSON.stringify(subscriberErrors.slice(0, 5)));
    process.exitCode = failures === 0 && !invariant?.violations.length && onTime ? 0 : 1;
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    await own?.stop();
  }
}

// Exit explicitly: a library's exit hook (embedded-postgres) would otherwise end the process with 0.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
