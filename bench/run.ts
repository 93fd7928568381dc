// `npm run bench`: builds, generates the network (default 1,000 providers) into a dedicated database,
import 'reflect-metadata';
// starts the API in production mode and measures: the nested offerings read against the raw-SQL floor
// (alternating rounds), `matches`, holds (reservations), the quote flow (issue -> accept on posted
// needs) and the whole marketplace flow (need -> matches -> issue -> accept). Prints figures and writes
// bench/results/latest.json. Options: --providers N, --sections nested,matches,utilization,holds,flow,scale (or quote-flow: without the marketplace flow), --quick.
// scale: on a primary + streaming replica + PgBouncer of this machine's Debian PostgreSQL, matches on the primary alone vs with the replica, and the quote flow direct vs through PgBouncer.
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import { freePort } from '../src/db/embedded-postgres';
import { addMonths, currentMonth } from '../src/shared/month';
import { NESTED_QUERY, startFloor } from './floor';
import {
  BENCH_METRICS_TOKEN,
  benchKey,
  cannon,
  cpuMs,
  gql,
  must,
  percentile,
  root,
  round,
  startStack,
  timed,
  type Stack,
} from './support';

const { values } = parseArgs({
  options: {
    providers: { type: 'string', default: process.env.BENCH_PROVIDERS ?? '1000' },
    sections: { type: 'string', default: 'nested,matches,utilization,holds,flow,scale' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(root, 'bench/results/latest.json') },
  },
});
const quick = values.quick;
const log = (s: string) => console.log(s);
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function nested(stack: Stack) {
  const from = currentMonth();
  const body = JSON.stringify({ query: NESTED_QUERY, variables: { from, to: addMonths(from, 23) } });
  const floor = await startFloor(stack.databaseUrl, await freePort());
  try {
    const post = async (url: string) =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.providerKey}` },
          body,
        })
      ).json();
    const [api, raw] = await Promise.all([post(stack.apiUrl), post(floor.url)]);
    if (!isDeepStrictEqual(api, raw))
      throw new Error(
        `the API and the floor disagree:\n${JSON.stringify(api).slice(0, 300)}\n${JSON.stringify(raw).slice(0, 300)}`,
      );
    const { sql } = await gql(stack.apiUrl, stack.providerKey, NESTED_QUERY, { from, to: addMonths(from, 23) });
    log(`nested read: answers equal (50 offerings x provider, category, 24 months); ${sql} SQL statements per request`);
    const seconds = quick ? 3 : 10;
    const rounds = quick ? 2 : 5;
    await cannon(stack.apiUrl, body, stack.providerKey, 2, 16);
    await cannon(floor.url, body, stack.providerKey, 2, 16);
    const results: {
      api: Awaited<ReturnType<typeof cannon>>;
      floor: Awaited<ReturnType<typeof cannon>>;
      ratio: number;
    }[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = await cannon(stack.apiUrl, body, stack.providerKey, seconds, 16);
      const f = await cannon(floor.url, body, stack.providerKey, seconds, 16);
      results.push({ api: a, floor: f, ratio: round(a.rps / f.rps, 3) });
      log(
        `  round ${i + 1}: API ${a.rps} req/s (p50 ${a.p50} ms, p99 ${a.p99} ms) | floor ${f.rps} req/s (p50 ${f.p50} ms, p99 ${f.p99} ms) | ratio ${round(a.rps / f.rps, 3)}`,
      );
    }
    const ratio = median(results.map((r) => r.ratio));
    log(`  median ratio API/floor: ${ratio} at 16 connections`);
    return {
      sqlStatements: sql,
      connections: 16,
      rounds: results,
      medianRatio: ratio,
      apiMedianRps: median(results.map((r) => r.api.rps)),
      floorMedianRps: median(results.map((r) => r.floor.rps)),
    };
  } finally {
    await floor.stop();
  }
}

const MATCHES = `query($id: ID!) { matches(needId: $id, first: 10) { score fullyAvailable offering { id title } provider { id name } breakdown { factor value } } }`;

const UTILIZATION = `query($from: Month!, $to: Month!) { utilization(from: $from, to: $to) { phase engagementSlots { label }
  totals { month sellableUnits soldUnits }
  offerings { offeringId title peakMonth peakUtilization headroomUnits
    months { month totalUnits sellableUnits heldUnits committedUnits conditionalUnits soldUnits availableUnits utilization shareOfTotal } } } }`;

/**
 * `utilization` for one provider with 50 offerings x 24 months: the bench provider's offerings are
 * copied (with their capacity months) until it has 50, some of their months get holds, and the
 * query runs sequentially with its ADMIN key.
 */
async function utilizationView(stack: Stack) {
  const from = currentMonth();
  const to = addMonths(from, 23);
  const {
    rows: [{ count }],
  } = await stack.sql.query(`select count(*)::int as count from offering where provider_id = $1`, [stack.providerId]);
  const copies = Math.max(0, Math.ceil((50 - count) / Math.max(count, 1)));
  await stack.sql.query('begin');
  await stack.sql.query(
    `insert into offering select (jsonb_populate_record(null::offering, to_jsonb(o) || jsonb_build_object('id', md5(o.id::text || g)::uuid, 'title', o.title || ' #' || g))).*
       from offering o cross join generate_series(1, $2::int) g where o.provider_id = $1`,
    [stack.providerId, copies],
  );
  await stack.sql.query(
    `insert into capacity_month select (jsonb_populate_record(null::capacity_month, to_jsonb(c) || jsonb_build_object('offering_id', md5(c.offering_id::text || g)::uuid))).*
       from capacity_month c join offering o on o.id = c.offering_id cross join generate_series(1, $2::int) g where o.provider_id = $1 and o.title not like '% #%'`,
    [stack.providerId, copies],
  );
  // Trim to exactly 50 offerings (drop surplus copies and their months), then hold a tenth of a few months' sellable units.
  await stack.sql.query(
    `with surplus as (select id from offering where provider_id = $1 order by (title like '% #%'), id offset 50)
     , months as (delete from capacity_month where offering_id in (select id from surplus))
     delete from offering where id in (select id from surplus)`,
    [stack.providerId],
  );
  await stack.sql.query(
    `insert into reservation (offering_id, month, kind, units, expires_at)
     select c.offering_id, c.month, 'HELD', greatest(c.sellable_units / 10, 1), now() + interval '30 days'
       from capacity_month c join offering o on o.id = c.offering_id
      where o.provider_id = $1 and c.sellable_units > 10 and extract(month from c.month)::int % 3 = 0`,
    [stack.providerId],
  );
  await stack.sql.query('commit');
  await stack.sql.query('analyze offering; analyze capacity_month; analyze reservation');
  const first = await gql(stack.apiUrl, stack.providerKey, UTILIZATION, { from, to });
  if (first.errors) throw new Error(JSON.stringify(first.errors));
  const offerings = first.data.utilization.offerings;
  if (offerings.length !== 50 || offerings.some((o: { months: unknown[] }) => o.months.length !== 24))
    throw new Error(`expected 50 offerings x 24 months, got ${offerings.length}`);
  const count_ = quick ? 100 : 400;
  for (let i = 0; i < 20; i++) await gql(stack.apiUrl, stack.providerKey, UTILIZATION, { from, to }); // warm-up
  const statements: number[] = [];
  const sequential = await timed(count_, 1, async () => {
    const r = await gql(stack.apiUrl, stack.providerKey, UTILIZATION, { from, to });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    statements.push(r.sql);
  });
  const result = {
    offerings: offerings.length,
    months: 24,
    sequential,
    maxSqlStatements: Math.max(...statements),
    targetP95Ms: 50,
  };
  log(
    `utilization (50 offerings x 24 months, one provider): p50 ${sequential.p50} ms, p95 ${sequential.p95} ms, p99 ${sequential.p99} ms (1 client, target p95 < 50 ms); <= ${result.maxSqlStatements} SQL statements`,
  );
  return result;
}

async function matches(stack: Stack) {
  const { rows } = await stack.sql.query(`select id from need where status = 'OPEN' order by id limit 200`);
  const ids = rows.map((r) => r.id as string);
  const statements: number[] = [];
  const found: number[] = [];
  for (const id of ids.slice(0, 20)) await gql(stack.apiUrl, stack.operatorKey, MATCHES, { id }); // warm-up
  const sequential = await timed(ids.length, 1, async (i) => {
    const r = await gql(stack.apiUrl, stack.operatorKey, MATCHES, { id: ids[i] });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    statements.push(r.sql);
    found.push(r.data.matches.length);
  });
  const concurrent = await timed(ids.length * 2, 8, async (i) => {
    await gql(stack.apiUrl, stack.operatorKey, MATCHES, { id: ids[i % ids.length] });
  });
  const result = {
    needs: ids.length,
    sequential,
    concurrent8: concurrent,
    maxSqlStatements: Math.max(...statements),
    averageMatches: round(found.reduce((a, b) => a + b, 0) / found.length),
  };
  log(
    `matches: ${ids.length} needs, p50 ${sequential.p50} ms, p95 ${sequential.p95} ms, p99 ${sequential.p99} ms (1 client); ${concurrent.perSecond} req/s at 8 clients (p99 ${concurrent.p99} ms); <= ${result.maxSqlStatements} SQL statements; ${result.averageMatches} matches per need`,
  );
  return result;
}

const ISSUE = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code message } } }`;

/** Needs for one-unit quotes on the provider's first offerings: one hot month, or spread over months and offerings. */
async function holdNeeds(stack: Stack, count: number, spread: boolean) {
  const { rows: offerings } = await stack.sql.query(
    `select id, category_code from offering where provider_id = $1 order by id limit ${spread ? 10 : 1}`,
    [stack.providerId],
  );
  await stack.sql.query(
    `update capacity_month set total_units = 10000000, sellable_units = floor(10000000 * 0.1) where offering_id = any($1)`,
    [offerings.map((o) => o.id)],
  );
  const { rows } = await stack.sql.query(
    `insert into need (id, buyer_id, category_code, monthly_volume, start_month, duration_months, ehr_platform_code, region_code)
     select gen_random_uuid(), $1, (($2::jsonb) -> (g % $3) ->> 'category_code'), 1,
            ($4::date + make_interval(months => case when $5 then g % 24 else 1 end))::date, 1, 'EPIC', 'US-OH'
       from generate_series(0, $6 - 1) g
     returning id, category_code`,
    [stack.buyerId, JSON.stringify(offerings), offerings.length, `${currentMonth()}-01`, spread, count],
  );
  return rows.map((r) => ({
    needId: r.id as string,
    offeringId: offerings.find((o) => o.category_code === r.category_code)!.id as string,
  }));
}

async function holds(stack: Stack) {
  const out: Record<string, unknown> = {};
  for (const spread of [false, true]) {
    for (const clients of [1, 8, 32]) {
      const count = quick ? clients * 10 : Math.max(200, clients * 25);
      const work = await holdNeeds(stack, count, spread);
      let refused = 0;
      const t = await timed(count, clients, async (i) => {
        const r = await gql(stack.apiUrl, stack.providerKey, ISSUE, { i: { ...work[i], validDays: 1 } });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        if (r.data.issueQuote.userErrors.length) refused++;
      });
      const label = `${spread ? 'spread' : 'hot month'}, ${clients} client(s)`;
      out[label] = { ...t, refused };
      log(`holds (${label}): ${t.perSecond} holds/s, p50 ${t.p50} ms, p99 ${t.p99} ms, refused ${refused}`);
    }
  }
  return out;
}

const CREATE_NEED = `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code message } } }`;
const ACCEPT = `mutation($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id } userErrors { code message } } }`;
const FLOW_CLIENTS = Number(process.env.BENCH_FLOW_CLIENTS ?? 16); // the target is set at 16; 1 gives CPU and SQL timings without contention
const FLOW_BUYERS = Number(process.env.BENCH_FLOW_BUYERS ?? 16); // buyers posting and accepting the quote flow's needs, in turn

/** Latency and SQL statements per step of a flow, and CPU of the API, PostgreSQL and this process over the timed part. */
function flowRecorder(stack: Stack) {
  const steps: Record<string, { ms: number[]; sql: number[] }> = {};
  const refusals: Record<string, number> = {};
  let cpu0 = cpuMs(stack);
  return {
    async step<T extends { sql: number }>(name: string, f: () => Promise<T>): Promise<T> {
      const s = performance.now();
      const r = await f();
      (steps[name] ??= { ms: [], sql: [] }).ms.push(performance.now() - s);
      steps[name].sql.push(r.sql);
      return r;
    },
    refused(code: string) {
      refusals[code] = (refusals[code] ?? 0) + 1;
    },
    start() {
      cpu0 = cpuMs(stack);
    },
    /** Per-step figures, and CPU milliseconds per accepted quote and per request. */
    report(accepted: number) {
      const cpu1 = cpuMs(stack);
      const requests = Object.values(steps).reduce((n, x) => n + x.ms.length, 0);
      const per = (a: number | null, b: number | null, n: number) =>
        a === null || b === null || !n ? null : round((b - a) / n, 2);
      const perStep = Object.fromEntries(
        Object.entries(steps).map(([k, { ms, sql }]) => {
          const sorted = [...ms].sort((a, b) => a - b);
          const statements = [...sql].sort((a, b) => a - b);
          return [
            k,
            {
              count: ms.length,
              p50: round(percentile(sorted, 50), 2),
              p99: round(percentile(sorted, 99), 2),
              sqlStatementsMedian: percentile(statements, 50),
              sqlStatementsMax: statements[statements.length - 1],
            },
          ];
        }),
      );
      const cpu = {
        requests,
        nodeMsPerRequest: per(cpu0.node, cpu1.node, requests),
        nodeKernelMsPerRequest: per(cpu0.nodeSystem, cpu1.nodeSystem, requests),
        postgresMsPerRequest: per(cpu0.postgres, cpu1.postgres, requests),
        benchClientMsPerRequest: per(cpu0.bench, cpu1.bench, requests),
        nodeMsPerAcceptedQuote: per(cpu0.node, cpu1.node, accepted),
        postgresMsPerAcceptedQuote: per(cpu0.postgres, cpu1.postgres, accepted),
      };
      return { perStep, refusals, cpu };
    },
  };
}

function logFlow(
  label: string,
  t: Awaited<ReturnType<typeof timed>>,
  accepted: number,
  acceptedPerSecond: number,
  r: ReturnType<ReturnType<typeof flowRecorder>['report']>,
  extra = '',
) {
  log(
    `${label}: ${acceptedPerSecond} accepted quotes/s (${accepted}/${t.count} flows, ${t.perSecond} flows/s${extra})`,
  );
  for (const [k, v] of Object.entries(r.perStep))
    log(
      `  ${k}: p50 ${v.p50} ms, p99 ${v.p99} ms, ${v.sqlStatementsMedian} SQL statements (max ${v.sqlStatementsMax})`,
    );
  const c = r.cpu;
  log(
    `  CPU per request: API ${c.nodeMsPerRequest} ms (${c.nodeKernelMsPerRequest} in the kernel), PostgreSQL ${c.postgresMsPerRequest ?? 'n/a'} ms, bench client ${c.benchClientMsPerRequest} ms; per accepted quote: API ${c.nodeMsPerAcceptedQuote} ms, PostgreSQL ${c.postgresMsPerAcceptedQuote ?? 'n/a'} ms`,
  );
  if (Object.keys(r.refusals).length) log(`  refused: ${JSON.stringify(r.refusals)}`);
}

/**
 * Open needs, each with a published offering that can quote it: one offering per provider first
 * (spread over providers and offerings), never more per provider than its phase has engagement
 * slots left, with capacity for the whole schedule. Needs are posted through the API.
 */
async function postQuotableNeeds(stack: Stack, count: number, buyerCount: number) {
  const start = addMonths(currentMonth(), 1);
  const { rows: buyerRows } = await stack.sql.query(
    `select id from organization where kind in ('HOSPITAL', 'PRACTICE') order by name limit $1`,
    [buyerCount],
  );
  const buyers: { id: string; key: string }[] = [];
  for (const b of buyerRows)
    buyers.push({ id: b.id, key: b.id === stack.buyerId ? stack.buyerKey : await benchKey(stack.sql, b.id) });
  const { rows } = await stack.sql.query(
    `with sellers as (
       select p.id, coalesce((p.phase_policy -> p.current_phase ->> 'maxActiveEngagements')::int, 1000000)
                - (select count(*) from engagement e where e.provider_id = p.id and e.status in ('PENDING_BAA', 'ACTIVE'))::int as free_slots
         from organization p where p.id <> all($1::uuid[])),
     candidates as (
       select o.id, o.provider_id, o.category_code, o.ehr_platform_codes[1] as ehr, s.free_slots,
              -- a state the offering serves (a need in another state is NOT_ELIGIBLE)
              case when o.region_codes[1] like 'HHS-%'
                   then (select min(r.code) from region r where r.hhs_region_code = o.region_codes[1])
                   else o.region_codes[1] end as region,
              row_number() over (partition by o.provider_id order by md5(o.id::text)) as nth
         from offering o join sellers s on s.id = o.provider_id
        where o.status = 'PUBLISHED' and s.free_slots > 0
          and (select count(*) from capacity_month c
                where c.offering_id = o.id and c.month >= $2::date and c.month < $2::date + interval '3 months'
                  and c.sellable_units - c.held_units - c.committed_units - c.conditional_units >= 5) = 3)
     select id, provider_id, category_code, ehr, region from candidates where nth <= free_slots order by nth, md5(id::text) limit $3`,
    [buyers.map((b) => b.id), `${start}-01`, count],
  );
  const keys = new Map<string, string>();
  for (const r of rows) if (!keys.has(r.provider_id)) keys.set(r.provider_id, await benchKey(stack.sql, r.provider_id));
  const work: { needId: string; offeringId: string; providerId: string; providerKey: string; buyerKey: string }[] = [];
  await timed(rows.length, FLOW_CLIENTS, async (i) => {
    const o = rows[i];
    const buyerKey = buyers[i % buyers.length].key;
    const d = await must(stack.apiUrl, buyerKey, CREATE_NEED, {
      i: {
        categoryCode: o.category_code,
        monthlyVolume: 5,
        startMonth: start,
        durationMonths: 3,
        ehrPlatformCode: o.ehr,
        regionCode: o.region.startsWith('US-') ? o.region : 'US-OH',
      },
    });
    work[i] = {
      needId: d.createNeed.need.id,
      offeringId: o.id,
      providerId: o.provider_id,
      providerKey: keys.get(o.provider_id)!,
      buyerKey,
    };
  });
  return { work, buyers: buyers.length };
}

/**
 * The quote flow over needs already posted: issueQuote (provider key) then acceptQuote (buyer key).
 * The same flow on other needs runs first, untimed, until V8 has optimized the request path: each
 * request runs the big functions (Apollo's request pipeline, the acceptance) once, so they reach
 * TurboFan late. `--trace-opt` on the API showed it still compiling inside the timed seconds after 200
 * warm-up flows (about 0.3 ms of CPU per request after 800; API CPU per request ~2.0 ms, vs ~1.3 ms
 * once settled), and little after 1,500. BENCH_FLOWS and BENCH_FLOW_WARMUP change the counts.
 */
async function quoteFlow(stack: Stack) {
  const flows = Number(process.env.BENCH_FLOWS ?? (quick ? 96 : 2000));
  const warmUp = Number(process.env.BENCH_FLOW_WARMUP ?? (quick ? 32 : 1500));
  const { work: all, buyers } = await postQuotableNeeds(stack, warmUp + flows, FLOW_BUYERS);
  if (all.length < warmUp + flows) log(`  (only ${all.length} quotable needs could be posted)`);
  const rec = flowRecorder(stack);
  let accepted = 0;
  const run = (work: typeof all, record: boolean) =>
    timed(work.length, FLOW_CLIENTS, async (i) => {
      const w = work[i];
      const step = <T extends { sql: number }>(name: string, f: () => Promise<T>) => (record ? rec.step(name, f) : f());
      const q = await step('issueQuote', () =>
        gql(stack.apiUrl, w.providerKey, ISSUE, {
          i: { needId: w.needId, offeringId: w.offeringId, pilotMonths: 1, pilotUnits: 1, validDays: 7 },
        }),
      );
      if (q.errors) throw new Error(JSON.stringify(q.errors));
      const quoteId = q.data.issueQuote.quote?.id;
      if (!quoteId)
        return record
          ? q.data.issueQuote.userErrors.forEach((e: { code: string }) => rec.refused(`issueQuote ${e.code}`))
          : undefined;
      const a = await step('acceptQuote', () => gql(stack.apiUrl, w.buyerKey, ACCEPT, { i: { quoteId } }));
      if (a.errors) throw new Error(JSON.stringify(a.errors));
      if (!record) return;
      if (a.data.acceptQuote.engagement) accepted++;
      else a.data.acceptQuote.userErrors.forEach((e: { code: string }) => rec.refused(`acceptQuote ${e.code}`));
    });
  await run(all.slice(0, warmUp), false);
  // Statistics as autovacuum keeps them on a live network: the generated one has no quote, engagement
  // or reservation yet, and plans made while those tables were empty (foreign-key checks included)
  // scan them whole. ANALYZE replaces them; autovacuum would within its first minute (naptime 60 s),
  // while the timed flows last seconds. Without it, the timed part read ~7,500 rows per flow by
  // sequential scans, and PostgreSQL spent ~1.4 ms more CPU per accepted quote.
  await stack.sql.query('analyze');
  const work = all.slice(warmUp);
  const providers = new Set(work.map((w) => w.providerId)).size;
  rec.start();
  const t = await run(work, true);
  const r = rec.report(accepted);
  const acceptedPerSecond = round((accepted / t.count) * t.perSecond);
  logFlow(
    `quote flow (issueQuote -> acceptQuote on posted needs, ${FLOW_CLIENTS} clients, ${work.length} offerings of ${providers} providers, needs of ${buyers} buyer(s), after ${warmUp} untimed)`,
    t,
    accepted,
    acceptedPerSecond,
    r,
  );
  return {
    clients: FLOW_CLIENTS,
    flows: work.length,
    warmUpFlows: warmUp,
    offerings: work.length,
    providers,
    buyers,
    accepted,
    flowsPerSecond: t.perSecond,
    acceptedPerSecond,
    ...r,
  };
}

/** The whole marketplace flow: createNeed -> matches -> issueQuote (top match's provider) -> acceptQuote. */
async function marketplaceFlow(stack: Stack) {
  const flows = quick ? 64 : 600;
  const providerKeys = new Map<string, Promise<string>>();
  let inserted = Promise.resolve(''); // one statement at a time on the bench's single connection
  const keyOf = (providerId: string) => {
    if (!providerKeys.has(providerId))
      providerKeys.set(providerId, (inserted = inserted.then(() => benchKey(stack.sql, providerId))));
    return providerKeys.get(providerId)!;
  };
  const { rows: profiles } = await stack.sql.query(
    `select category_code, region_codes[1] as region, ehr_platform_codes[1] as ehr from offering o join organization p on p.id = o.provider_id
      where o.status = 'PUBLISHED' and o.region_codes[1] like 'US-%' order by o.id limit 200`,
  );
  const rec = flowRecorder(stack);
  let accepted = 0;
  let noMatch = 0;
  rec.start();
  const t = await timed(flows, FLOW_CLIENTS, async (i) => {
    const p = profiles[i % profiles.length];
    const need = await rec.step('createNeed', () =>
      gql(stack.apiUrl, stack.buyerKey, CREATE_NEED, {
        i: {
          categoryCode: p.category_code,
          monthlyVolume: 5,
          startMonth: addMonths(currentMonth(), 1),
          durationMonths: 3,
          ehrPlatformCode: p.ehr,
          regionCode: p.region,
        },
      }),
    );
    const needId = need.data?.createNeed?.need?.id;
    if (!needId) throw new Error(JSON.stringify(need.errors ?? need.data));
    const m = await rec.step('matches', () =>
      gql(
        stack.apiUrl,
        stack.buyerKey,
        `query($id: ID!) { matches(needId: $id, first: 3) { offering { id } provider { id } } }`,
        { id: needId },
      ),
    );
    if (m.errors) throw new Error(JSON.stringify(m.errors));
    const top = m.data.matches[0];
    if (!top) return void noMatch++;
    const key = await keyOf(top.provider.id);
    const q = await rec.step('issueQuote', () =>
      gql(stack.apiUrl, key, ISSUE, {
        i: { needId, offeringId: top.offering.id, pilotMonths: 1, pilotUnits: 1, validDays: 7 },
      }),
    );
    const quoteId = q.data?.issueQuote?.quote?.id;
    if (!quoteId)
      return q.data?.issueQuote?.userErrors.forEach((e: { code: string }) => rec.refused(`issueQuote ${e.code}`));
    const a = await rec.step('acceptQuote', () => gql(stack.apiUrl, stack.buyerKey, ACCEPT, { i: { quoteId } }));
    if (a.data?.acceptQuote?.engagement) accepted++;
    else a.data?.acceptQuote?.userErrors.forEach((e: { code: string }) => rec.refused(`acceptQuote ${e.code}`));
  });
  const r = rec.report(accepted);
  const acceptedPerSecond = round((accepted / t.count) * t.perSecond);
  logFlow(
    `marketplace flow (createNeed -> matches -> issueQuote -> acceptQuote, ${FLOW_CLIENTS} clients)`,
    t,
    accepted,
    acceptedPerSecond,
    r,
    `; ${noMatch} without a match`,
  );
  return { clients: FLOW_CLIENTS, flows, accepted, noMatch, flowsPerSecond: t.perSecond, acceptedPerSecond, ...r };
}

/** Matches at 8 clients, with CPU per request of the API, the primary and the replica. */
async function replicaReadLoad(stack: Stack, replicaPid: number) {
  const { rows } = await stack.sql.query(`select id from need where status = 'OPEN' order by id limit 200`);
  const ids = rows.map((r) => r.id as string);
  const count = quick ? 200 : 1000;
  for (const id of ids.slice(0, 20)) await gql(stack.apiUrl, stack.operatorKey, MATCHES, { id }); // warm-up
  const replica = () => cpuMs({ apiPid: stack.apiPid, postmasterPid: replicaPid }).postgres!;
  const [c0, r0] = [cpuMs(stack), replica()];
  const t = await timed(count, 8, async (i) => {
    const r = await gql(stack.apiUrl, stack.operatorKey, MATCHES, { id: ids[i % ids.length] });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  });
  const [c1, r1] = [cpuMs(stack), replica()];
  const per = (a: number, b: number) => round((b - a) / count, 2);
  return {
    ...t,
    cpuMsPerRequest: { api: per(c0.node, c1.node), primary: per(c0.postgres!, c1.postgres!), replica: per(r0, r1) },
  };
}

/**
 * The production shape's database tier on this machine (test/support/scale-cluster.ts: a primary, a
 * hot standby by pg_basebackup -R, PgBouncer in transaction pooling mode, from Debian's packages),
 * with the generated network: `matches` on the primary alone vs with the replica (on 2 cores the
 * replica adds no capacity; CPU per request shows where the load went), then the quote flow with the
 * API straight on the primary vs through PgBouncer. The same run, the same database.
 */
async function scale(providers: number) {
  const { startScaleCluster, pgBinDir, pgbouncerBinary } = await import('../test/support/scale-cluster');
  if (!pgBinDir() || !pgbouncerBinary()) {
    log(
      'scale: skipped, it needs PostgreSQL server binaries with pg_basebackup (Debian postgresql, or PG_BINDIR) and pgbouncer',
    );
    return { skipped: true };
  }
  const cluster = await startScaleCluster();
  try {
    const database = await cluster.createDatabase();
    const stack = await startStack(providers, log, {
      databaseUrl: cluster.primaryUrl(database),
      postmasterPid: cluster.pids().primary,
    });
    try {
      const {
        rows: [{ lsn }],
      } = await stack.sql.query('select pg_current_wal_lsn()::text as lsn');
      for (let caughtUp = false; !caughtUp; await new Promise((r) => setTimeout(r, 200))) {
        caughtUp = (
          (await cluster.onReplica(`select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn as ok`)) as { ok: boolean }[]
        )[0].ok;
      }
      const reads: Record<string, unknown> = {};
      const readVariants: [string, Record<string, string>][] = [
        ['primary alone', {}],
        ['primary + replica', { DATABASE_REPLICA_URLS: cluster.replicaUrl(database) }],
      ];
      for (const [label, env] of readVariants) {
        await stack.restartApi(env);
        if (env.DATABASE_REPLICA_URLS) {
          const metricsUrl = stack.apiUrl.replace('/graphql', '/metrics');
          const auth = { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } };
          while (!/db_replica_in_use\{[^}]*\} 1/.test(await (await fetch(metricsUrl, auth)).text()))
            await new Promise((r) => setTimeout(r, 200));
        }
        const r = await replicaReadLoad(stack, cluster.pids().replica);
        reads[label] = r;
        log(
          `scale, matches on ${label} (8 clients): ${r.perSecond} req/s, p50 ${r.p50} ms, p95 ${r.p95} ms; CPU ms per request: API ${r.cpuMsPerRequest.api}, primary ${r.cpuMsPerRequest.primary}, replica ${r.cpuMsPerRequest.replica}`,
        );
      }
      const flows: Record<string, unknown> = {};
      const flowVariants: [string, Record<string, string>][] = [
        ['direct', {}],
        [
          'through PgBouncer',
          { DATABASE_URL: cluster.bouncerUrl(database), DB_NAMED_STATEMENTS: String(cluster.namedStatements) },
        ],
      ];
      for (const [label, env] of flowVariants) {
        await stack.restartApi(env);
        log(
          `scale, quote flow ${label}${env.DB_NAMED_STATEMENTS ? ` (transaction pooling, DB_NAMED_STATEMENTS=${env.DB_NAMED_STATEMENTS})` : ''}:`,
        );
        const bouncer = () => cpuMs({ apiPid: stack.apiPid, postmasterPid: cluster.pids().bouncer }).postgres!;
        const b0 = bouncer();
        const f = await quoteFlow(stack);
        const pgbouncerMsPerAcceptedQuote = f.accepted ? round((bouncer() - b0) / f.accepted, 2) : null;
        if (env.DATABASE_URL)
          log(`  PgBouncer CPU: ${pgbouncerMsPerAcceptedQuote} ms per accepted quote (warm-up included)`);
        flows[label] = { ...f, pgbouncerMsPerAcceptedQuote: env.DATABASE_URL ? pgbouncerMsPerAcceptedQuote : null };
      }
      return { reads, quoteFlow: flows, namedStatementsThroughPgBouncer: cluster.namedStatements };
    } finally {
      await stack.stop();
    }
  } finally {
    await cluster.stop();
  }
}

/** Counters equal the sums of active reservations and never exceed sellable units, everywhere. */
async function invariant(stack: Stack) {
  const {
    rows: [r],
  } = await stack.sql.query(
    `select count(*) filter (where c.held_units + c.committed_units + c.conditional_units > c.sellable_units)::int as oversold,
            count(*) filter (where c.held_units <> coalesce(x.held, 0) or c.committed_units <> coalesce(x.committed, 0) or c.conditional_units <> coalesce(x.conditional, 0))::int as drifted
       from capacity_month c left join (
         select offering_id, month, sum(units) filter (where kind = 'HELD') as held, sum(units) filter (where kind = 'COMMITTED') as committed,
                sum(units) filter (where kind = 'CONDITIONAL') as conditional
           from reservation where status = 'ACTIVE' group by offering_id, month) x on x.offering_id = c.offering_id and x.month = c.month`,
  );
  log(`invariant: ${r.oversold} oversold months, ${r.drifted} counters differing from the ledger`);
  return r;
}

async function main() {
  const providers = Number(values.providers);
  const sections = new Set(values.sections!.split(','));
  const started = new Date();
  log(
    `Health Services Exchange benchmark, ${started.toISOString()} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  const results: Record<string, unknown> = {
    date: started.toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    providers,
  };
  if (['nested', 'matches', 'utilization', 'holds', 'flow', 'quote-flow'].some((x) => sections.has(x))) {
    const stack = await startStack(providers, log);
    try {
      if (sections.has('nested')) results.nested = await nested(stack);
      if (sections.has('matches')) results.matches = await matches(stack);
      if (sections.has('utilization')) results.utilization = await utilizationView(stack);
      if (sections.has('holds')) results.holds = await holds(stack);
      if (sections.has('flow') || sections.has('quote-flow'))
        results.flow = {
          quote: await quoteFlow(stack),
          ...(sections.has('flow') ? { marketplace: await marketplaceFlow(stack) } : {}),
        };
      results.invariant = await invariant(stack);
    } finally {
      await stack.stop();
    }
  }
  if (sections.has('scale')) results.scale = await scale(providers);
  mkdirSync(path.dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, JSON.stringify(results, null, 2) + '\n');
  log(`results written to ${path.relative(root, values.out!)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
