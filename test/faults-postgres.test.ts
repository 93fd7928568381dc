// Given an API under load, when PostgreSQL restarts, then requests fail with retryable errors, the
// API recovers by itself, and retries with idempotency keys lose or double no reservation.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../src/db/embedded-postgres';
import { gql, ok, OPERATOR_KEY, type GqlResult } from './support/api';
import { nextMonth } from './support/fixtures';
import { sleep, startPostgresProcess, startServerProcess, waitFor, type ServerProcess } from './support/server-process';

let db: { url: string; stop(): Promise<void> };
let server: ServerProcess;
const dataDir = mkdtempSync(path.join(tmpdir(), 'hsx-restart-'));
let port: number;
const start = () => startPostgresProcess({ dataDir, database: 'restart', port });

beforeAll(async () => {
  port = await freePort();
  db = await start();
  server = await startServerProcess(db.url);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await db?.stop();
});

const must = async (query: string, variables: Record<string, unknown>, key = OPERATOR_KEY) => ok(await gql(server.url, query, variables, key));

describe('PostgreSQL restarted mid-run', () => {
  it('gives retryable errors, recovers by itself, and loses or doubles no reservation', async () => {
    const org = async (kind: string) => {
      const id = (await must(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }`, { i: { name: `Restart ${kind} ${Date.now()}`, kind, stateCode: 'US-OH', ehrPlatformCode: 'EPIC' } })).createOrganization.organization.id;
      const key = (await must(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: id, role: 'ADMIN', label: 'restart' } })).createApiKey.secret;
      return { id, key };
    };
    const p = await org('HEALTH_SYSTEM');
    const b = await org('HOSPITAL');
    const month = nextMonth(1);
    const offeringId = (await must(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } } }`, { i: { categoryCode: 'DATA_ANALYTICS', title: 'Reports', ehrPlatformCodes: ['EPIC'], regionCodes: ['US-OH'], pricing: { currency: 'USD', unitPrice: '300.00' } } }, p.key)).createOffering.offering.id;
    await must(`mutation { publishOffering(input: { id: "${offeringId}" }) { userErrors { code } } }`, {}, p.key);
    await must(`mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code } } }`, { i: { offeringId, months: [{ month, totalUnits: 1000 }] } }, p.key);
    const needIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      needIds.push((await must(`mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } } }`, { i: { categoryCode: 'DATA_ANALYTICS', monthlyVolume: 1, startMonth: month, durationMonths: 1, ehrPlatformCode: 'EPIC', regionCode: 'US-OH' } }, b.key)).createNeed.need.id);
    }
    const ISSUE = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id } userErrors { code } } }`;
    const issue = (needId: string) => gql(server.url, ISSUE, { i: { needId, offeringId, validDays: 7, idempotencyKey: `restart-${needId}` } }, p.key);

    // A steady stream of quotes; PostgreSQL stops in the middle and comes back.
    const outcomes: GqlResult[] = [];
    const done = new Set<string>();
    let restarted: Promise<void> | undefined;
    for (const [i, needId] of needIds.entries()) {
      if (i === 10) {
        await db.stop();
        restarted = sleep(1500).then(async () => void (db = await start()));
      }
      const r = await issue(needId).catch((e) => ({ status: 0, headers: new Headers(), errors: [{ message: String(e) }] }) as GqlResult);
      outcomes.push(r);
      if (r.data?.issueQuote?.quote) done.add(needId);
      await sleep(50);
    }
    await restarted;
    const failures = outcomes.filter((r) => r.errors);
    expect(failures.length).toBeGreaterThan(0);
    for (const r of failures) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.errors![0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: true });
      expect(JSON.stringify(r.errors)).not.toMatch(/ECONNREFUSED|postgres|terminat/i);
    }

    // The API recovers by itself; clients retry every request with its idempotency key.
    await waitFor('recovery', async () => ((await gql(server.url, '{ viewer { role } }', {}, p.key)).data ? true : undefined), 30_000);
    for (const needId of needIds) {
      const r = await issue(needId);
      expect(r.status).toBe(200);
      expect(r.data!.issueQuote.quote).toBeTruthy();
      done.add(needId);
    }

    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const { rows: [q] } = await sql.query(`select count(*)::int as n from quote where offering_id = $1`, [offeringId]);
      const { rows: [c] } = await sql.query(`select held_units, sellable_units from capacity_month where offering_id = $1`, [offeringId]);
      const { rows: [r] } = await sql.query(`select count(*)::int as n, coalesce(sum(units), 0)::int as units from reservation where offering_id = $1 and status = 'ACTIVE'`, [offeringId]);
      expect(q.n).toBe(needIds.length); // each need quoted exactly once: nothing doubled
      expect(r).toEqual({ n: needIds.length, units: needIds.length }); // nothing lost
      expect(c).toEqual({ held_units: needIds.length, sellable_units: 100 });
    } finally {
      await sql.end();
    }
  });
});
