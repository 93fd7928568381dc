// Fault scenarios run on more than one topology: straight on PostgreSQL (faults.test.ts) and through
// PgBouncer with a read replica (scale-out.test.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freePort } from '../../src/db/embedded-postgres';
import { gql, ok, OPERATOR_KEY, type GqlResult } from './api';
import { nextMonth } from './fixtures';
import { ensureBuilt, sleep, waitFor } from './server-process';

const root = path.join(__dirname, '../..');

export const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`;
export const orgInput = (tag: string) => ({
  name: `Burst ${tag} ${randomBytes(4).toString('hex')}`,
  kind: 'HOSPITAL',
  stateCode: 'US-OH',
  ehrPlatformCode: 'EPIC',
  beds: 50,
});

/** No organization without its audit event, and no audit event without its organization. */
export async function expectNoPartialWrites(sql: (q: string) => Promise<{ n: number }[]>) {
  const [orgs] = await sql('select count(*)::int as n from organization');
  const [events] = await sql(`select count(*)::int as n from audit_event where action = 'organization.created'`);
  const [orphans] = await sql(
    `select count(*)::int as n from organization o where not exists (select 1 from audit_event a where a.entity_id = o.id and a.action = 'organization.created')`,
  );
  expect(events.n).toBe(orgs.n);
  expect(orphans.n).toBe(0);
  return orgs.n;
}

/**
 * SIGTERM during a burst of writes: every accepted request completes, nothing is written partially,
 * and the process exits cleanly. The API runs on `databaseUrl` (with `env`); checks read `primaryUrl`.
 */
export async function sigtermDuringBurst(o: {
  databaseUrl: string;
  primaryUrl: string;
  env?: Record<string, string>;
}): Promise<void> {
  ensureBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const server = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: o.databaseUrl,
      PORT: String(port),
      NODE_ENV: 'test',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      OPERATOR_API_KEY: OPERATOR_KEY,
      REDIS_URL: process.env.TEST_REDIS_URL,
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  const pg = new Client({ connectionString: o.primaryUrl });
  try {
    await waitFor('the API', async () => ((await fetch(url.replace('/graphql', '/readyz'))).ok ? true : undefined));
    await pg.connect();

    type Outcome = { sentAt: number; doneAt: number; result?: GqlResult; error?: string };
    const outcomes: Promise<Outcome>[] = [];
    const fire = (i: number) => {
      const sentAt = Date.now();
      return gql(url, CREATE_ORG, { i: orgInput(String(i)) }).then(
        (result) => ({ sentAt, doneAt: Date.now(), result }),
        (e: Error) => ({ sentAt, doneAt: Date.now(), error: String((e.cause as Error)?.message ?? e.message) }),
      );
    };
    // 40 at once, then a steady stream while the signal arrives.
    for (let i = 0; i < 40; i++) outcomes.push(fire(i));
    let stopAt = 0;
    for (let i = 40; i < 120; i++) {
      if (i === 50) {
        stopAt = Date.now();
        server.kill('SIGTERM');
      }
      outcomes.push(fire(i));
      await sleep(5);
    }
    const all = await Promise.all(outcomes);
    expect(await exited).toBe(0);

    // Requests that reached the server after the drain began are turned away (503, retry) without running.
    const turnedAway = all.filter((o) => o.result?.status === 503);
    for (const o of turnedAway) expect(o.result!.headers.get('retry-after')).toBe('1');
    const answered = all.filter((o) => o.result && o.result.status !== 503);
    // Every accepted request succeeded: none was cut short or failed by the shutdown.
    for (const o of answered) {
      expect(o.result!.status).toBe(200);
      expect(o.result!.errors).toBeUndefined();
      expect(o.result!.data!.createOrganization.organization!.id).toBeTruthy();
    }
    // Requests in flight when the signal came were finished, not dropped.
    expect(answered.filter((o) => o.sentAt < stopAt && o.doneAt >= stopAt).length).toBeGreaterThan(0);
    // The rest were refused at the door (connection refused or closed), never half-done.
    for (const o of all.filter((x) => !x.result))
      expect(o.error).toMatch(/ECONNREFUSED|ECONNRESET|closed|socket|terminated/i);

    const count = await expectNoPartialWrites((q) => pg.query(q).then((r) => r.rows));
    expect(count).toBe(answered.length);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server output ---\n${output.slice(-2000)}`);
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    await pg.end().catch(() => {});
  }
}

/**
 * PostgreSQL restarted under a stream of writes: the failed requests are retryable 503s, the API
 * recovers by itself, and retries with idempotency keys lose or double no reservation.
 */
export async function postgresRestartedMidRun(o: {
  apiUrl: string;
  primaryUrl: () => string;
  stopDatabase: () => Promise<void>;
  startDatabase: () => Promise<void>;
  /** False behind PgBouncer: it holds new requests until the server is back, so some runs see no failure at all. */
  failuresExpected?: boolean;
}): Promise<void> {
  const must = async (query: string, variables: Record<string, unknown>, key = OPERATOR_KEY) =>
    ok(await gql(o.apiUrl, query, variables, key));
  const org = async (kind: string) => {
    const id = (
      await must(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }`, {
        i: { name: `Restart ${kind} ${Date.now()}`, kind, stateCode: 'US-OH', ehrPlatformCode: 'EPIC' },
      })
    ).createOrganization.organization!.id;
    const key = (
      await must(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, {
        i: { organizationId: id, role: 'ADMIN', label: 'restart' },
      })
    ).createApiKey.secret!;
    return { id, key };
  };
  const p = await org('HEALTH_SYSTEM');
  const b = await org('HOSPITAL');
  const month = nextMonth(1);
  const offeringId = (
    await must(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } } }`,
      {
        i: {
          categoryCode: 'DATA_ANALYTICS',
          title: 'Reports',
          ehrPlatformCodes: ['EPIC'],
          regionCodes: ['US-OH'],
          pricing: { currency: 'USD', unitPrice: '300.00' },
        },
      },
      p.key,
    )
  ).createOffering.offering!.id;
  await must(`mutation { publishOffering(input: { id: "${offeringId}" }) { userErrors { code } } }`, {}, p.key);
  await must(
    `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code } } }`,
    { i: { offeringId, months: [{ month, totalUnits: 1000 }] } },
    p.key,
  );
  const needIds: string[] = [];
  for (let i = 0; i < 40; i++) {
    needIds.push(
      (
        await must(
          `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } } }`,
          {
            i: {
              categoryCode: 'DATA_ANALYTICS',
              monthlyVolume: 1,
              startMonth: month,
              durationMonths: 1,
              ehrPlatformCode: 'EPIC',
              regionCode: 'US-OH',
            },
          },
          b.key,
        )
      ).createNeed.need!.id,
    );
  }
  const ISSUE = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code } } }`;
  const issue = (needId: string) =>
    gql(o.apiUrl, ISSUE, { i: { needId, offeringId, validDays: 7, idempotencyKey: `restart-${needId}` } }, p.key);

  // A steady stream of quotes; PostgreSQL stops in the middle and comes back.
  const outcomes: GqlResult[] = [];
  const done = new Set<string>();
  let restarted: Promise<void> | undefined;
  for (const [i, needId] of needIds.entries()) {
    if (i === 10) {
      await o.stopDatabase();
      restarted = sleep(1500).then(o.startDatabase);
    }
    const r = await issue(needId).catch(
      (e) => ({ status: 0, headers: new Headers(), errors: [{ message: String(e) }] }) as GqlResult,
    );
    outcomes.push(r);
    if (r.data?.issueQuote?.quote) done.add(needId);
    await sleep(50);
  }
  await restarted;
  const failures = outcomes.filter((r) => r.errors);
  if (o.failuresExpected ?? true) expect(failures.length).toBeGreaterThan(0);
  for (const r of failures) {
    if (r.status !== 503)
      throw new Error(`not a retryable 503: ${r.status} ${JSON.stringify(r.errors)} ${JSON.stringify(r.data)}`);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.errors![0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: true });
    expect(JSON.stringify(r.errors)).not.toMatch(/ECONNREFUSED|postgres|terminat/i);
  }

  // The API recovers by itself; clients retry every request with its idempotency key.
  await waitFor(
    'recovery',
    async () => ((await gql(o.apiUrl, '{ viewer { role } }', {}, p.key)).data ? true : undefined),
    30_000,
  );
  for (const needId of needIds) {
    const r = await issue(needId);
    expect(r.status).toBe(200);
    expect(r.data!.issueQuote.quote).toBeTruthy();
    done.add(needId);
  }

  const sql = new Client({ connectionString: o.primaryUrl() });
  await sql.connect();
  try {
    const {
      rows: [q],
    } = await sql.query(`select count(*)::int as n from quote where offering_id = $1`, [offeringId]);
    const {
      rows: [c],
    } = await sql.query(`select held_units, sellable_units from capacity_month where offering_id = $1`, [offeringId]);
    const {
      rows: [r],
    } = await sql.query(
      `select count(*)::int as n, coalesce(sum(units), 0)::int as units from reservation where offering_id = $1 and status = 'ACTIVE'`,
      [offeringId],
    );
    expect(q.n).toBe(needIds.length); // each need quoted exactly once: nothing doubled
    expect(r).toEqual({ n: needIds.length, units: needIds.length }); // nothing lost
    expect(c).toEqual({ held_units: needIds.length, sellable_units: 100 });
  } finally {
    await sql.end();
  }
}
