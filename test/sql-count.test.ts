// N+1 guard: a nested read runs the same small number of SQL statements for 5 or 50 offerings.
// And the per-request context builds loaders and logger only when a request uses them.
import { OPERATOR_KEY, ok, startTestApi, type TestApi } from './support/api';
import type { Context } from '../src/access/context';
import { createContext } from '../src/app/context';
import { createOffering, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  const providers = await Promise.all(Array.from({ length: 10 }, () => provider(t)));
  for (const p of providers)
    for (let i = 0; i < 5; i++)
      await createOffering(t, p.key, { regionCodes: ['US-OH', 'HHS-5'], ehrPlatformCodes: ['EPIC', 'TRUBRIDGE'] });
});
afterAll(() => t.close());

const NESTED = `query($n: Int!) { offerings(first: $n) { totalCount edges { node { id title
  provider { id name ehrPlatform { code } } category { code unit } ehrPlatforms { code name } regions { code kind states }
  pricing { unitPrice tiers { fromUnits unitPrice } } } } } }`;

async function statements(n: number) {
  const r = await t.gql(NESTED, { n });
  expect(ok(r).offerings.edges).toHaveLength(n);
  return Number(r.headers.get('x-sql-statements'));
}

describe('SQL statements per request', () => {
  beforeAll(async () => {
    ok(await t.gql('{ viewer { role } }')); // the key lookup is cached after the first request
  });

  it('is the same, and at most 6, for 5 and 50 offerings with provider, category, EHR platforms and regions', async () => {
    const five = await statements(5);
    const fifty = await statements(50);
    expect(fifty).toBe(five);
    expect(fifty).toBeLessThanOrEqual(6);
  });

  it('batches nested connections per level', async () => {
    const r = await t.gql(
      `{ organizations(first: 20) { edges { node { id offerings(first: 3) { totalCount edges { node { id provider { id } } } } } } } }`,
    );
    ok(r);
    expect(Number(r.headers.get('x-sql-statements'))).toBeLessThanOrEqual(5);
  });
});

describe('per-request context', () => {
  it('stays lazy through the copy Apollo Server makes of it: loaders and logger are built on first use, once', async () => {
    const ctx = await createContext(t.api.deps, { authorization: `Bearer ${OPERATOR_KEY}`, requestId: 'context-test' });
    const copy = Object.assign(Object.create(Object.getPrototypeOf(ctx)), ctx) as Context; // Apollo's cloneObject
    expect(Object.values(copy).some((v) => typeof v === 'object' && v !== null && 'quoteById' in v)).toBe(false);
    expect(copy.loaders).toBe(copy.loaders);
    expect(copy.log).toBe(copy.log);
    expect(await copy.loaders.quoteById.load('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
