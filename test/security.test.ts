// Given a running API, when hostile or careless requests arrive over HTTP, then they are refused
// cheaply, without revealing limits, schema or internals; and what it logs and measures is safe.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createClient } from 'redis';
import { serverAudits } from 'graphql-http';
import {
  type FragmentDefinitionNode,
  type IntrospectionQuery,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql';
import { buildAppSchema } from '../src/app/schema';
import { operationCost } from '../src/server/query-cost';
import { loadConfig } from '../src/config';
import { startApi } from '../src/app/start';
import { forgetCachedKeys } from '../src/auth/api-key.service';
import {
  createDatabase,
  errorCode,
  gql,
  ok,
  OPERATOR_KEY,
  startTestApi,
  type GqlResult,
  type TestApi,
} from './support/api';
import { createKey, createOffering, createOrg, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}`, ...headers },
    body,
  });

/** Refused before execution: a 400 with BAD_USER_INPUT and a message that reveals no number. */
function expectRefused(r: GqlResult, message?: RegExp) {
  expect(r.status).toBe(400);
  expect(r.data ?? null).toBeNull();
  expect(errorCode(r)).toBe('BAD_USER_INPUT');
  expect(r.errors![0].message).not.toMatch(/\d/);
  if (message) expect(r.errors![0].message).toMatch(message);
}

describe('query abuse limits', () => {
  it('refuses a deeply nested (circular) query and a circular fragment', async () => {
    let deep = 'id';
    for (let i = 0; i < 12; i++)
      deep = `offerings(first: 100) { edges { node { provider { offerings(first: 100) { edges { node { ${deep} } } } } } } }`;
    expectRefused(await t.gql(`{ ${deep} }`), /^Query is nested too deeply/);
    // 11 levels of organization -> offerings -> provider -> offerings ... with small pages.
    expectRefused(
      await t.gql(
        '{ organizations(first: 1) { edges { node { offerings(first: 1) { edges { node { provider { offerings(first: 1) { edges { node { id } } } } } } } } } } }',
      ),
    );
    const cycle = await t.gql(
      `{ offerings { ...A } } fragment A on OfferingConnection { edges { node { provider { offerings { ...A } } } } }`,
    );
    expect(cycle.status).toBe(400);
    expect(errorCode(cycle)).toBe('BAD_USER_INPUT');
  });

  it('accepts an ordinary nested query', async () => {
    const p = await provider(t);
    await createOffering(t, p.key);
    const d = ok(
      await t.gql(
        '{ organizations(first: 100) { edges { node { id offerings(first: 20) { totalCount edges { node { id title } } } } } } }',
      ),
    );
    expect(d.organizations.edges.length).toBeGreaterThan(0);
  });

  it('refuses alias floods', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
    expectRefused(await t.gql(`{ ${aliases(200)} }`), /^Query uses too many aliases/);
    expectRefused(await t.gql(`{ ${aliases(31)} }`));
    expect(ok(await t.gql<{ a9: string }>(`{ ${aliases(10)} }`)).a9).toBe('Query');
  });

  it('refuses huge pages: first over 100 directly, and nested pages by cost', async () => {
    const big = await t.gql('{ offerings(first: 1000) { totalCount } }');
    expect(errorCode(big)).toBe('BAD_USER_INPUT');
    const nested =
      '{ offerings(first: 100) { edges { node { provider { offerings(first: 100) { edges { node { id } } } } } } } }';
    expectRefused(await t.gql(nested), /^Query is too expensive/);
    const viaVariables = await t.gql(
      'query($n: Int) { offerings(first: $n) { edges { node { provider { offerings(first: $n) { edges { node { id } } } } } } } }',
      { n: 100 },
    );
    expectRefused(viaVariables);
    // The same shape with smaller inner pages is fine.
    ok(
      await t.gql(
        '{ offerings(first: 100) { edges { node { provider { offerings(first: 10) { edges { node { id } } } } } } } }',
      ),
    );
  });

  it('refuses token floods and directive floods', async () => {
    expectRefused(await t.gql(`{ ${'__typename '.repeat(6000)} }`), /^Query is too long/);
    expectRefused(await t.gql(`{ ${'__typename @include(if: true) '.repeat(25)} }`), /^Query uses too many directives/);
    ok(await t.gql(`{ ${'__typename @include(if: true) '.repeat(5)} }`));
  });

  it('refuses batched requests (a JSON array)', async () => {
    const r = await post(t.url, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(r.status).toBe(400);
    expect(((await r.json()) as GqlResult).errors?.length).toBeGreaterThan(0);
  });

  it('refuses bodies over 1 MB with 413 and a JSON error', async () => {
    const r = await post(t.url, JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(3_000_000) }));
    expect(r.status).toBe(413);
    expect(r.headers.get('content-type')).toMatch(/json/);
    expect(((await r.json()) as GqlResult).errors![0].message).toMatch(/larger than/);
  });

  it('refuses malformed or non-object JSON with 400 BAD_REQUEST, and reads gzip bodies', async () => {
    for (const body of ['{"query": ', '"{ __typename }"', 'null']) {
      const r = await post(t.url, body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as GqlResult).errors![0]).toMatchObject({
        message: 'Malformed request.',
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const zipped = await post(t.url, gzipSync(JSON.stringify({ query: '{ __typename }' })) as unknown as string, {
      'content-encoding': 'gzip',
    });
    expect(await zipped.json()).toEqual({ data: { __typename: 'Query' } });
    const unknown = await post(t.url, '{}', { 'content-encoding': 'br' });
    expect(unknown.status).toBe(415);
    // 3 MB once inflated from a few kilobytes: refused by the inflated size.
    const bomb = await post(
      t.url,
      gzipSync(JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(3_000_000) })) as unknown as string,
      { 'content-encoding': 'gzip' },
    );
    expect(bomb.status).toBe(413);
  });

  it('answers GraphQL over GET too (queries only)', async () => {
    const r = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'apollo-require-preflight': 'true' },
    });
    expect(await r.json()).toEqual({ data: { __typename: 'Query' } });
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('never suggests field, argument, enum or input names', async () => {
    const typos = [
      '{ offeringz { id } }',
      '{ offerings { edgez { node { id } } } }',
      '{ offerings(frist: 1) { totalCount } }',
      '{ organizations(filter: { kind: HOSPITL }) { totalCount } }',
      '{ organizations(filter: { knid: HOSPITAL }) { totalCount } }',
    ];
    for (const q of typos) {
      const r = await t.gql(q);
      expect(r.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(r)).not.toMatch(/Did you mean|Suggestion/i);
    }
    const viaVariables = await t.gql('query($f: OrganizationFilter) { organizations(filter: $f) { totalCount } }', {
      f: { kind: 'HOSPITL', knid: 'x' },
    });
    expect(errorCode(viaVariables)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(viaVariables)).not.toMatch(/Did you mean|Suggestion/i);
  });
});

describe('query cost', () => {
  const cost = async (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    )!;
    const fragments = Object.fromEntries(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((f) => [f.name.value, f]),
    );
    return operationCost({ schema: await buildAppSchema(), operation, fragments, variables });
  };

  it('multiplies what a page contains by its size: literal, variable, variable default or argument default', async () => {
    const nested = (outer: string, inner: string) =>
      `{ offerings(${outer}) { edges { node { provider { offerings(${inner}) { edges { node { id } } } } } } } }`;
    expect(await cost(nested('first: 100', 'first: 10'))).toBe(100 * (1 + 1 + 1 + 1 + 10 * 3));
    expect(await cost(nested('first: 100', 'first: 100'))).toBe(30_400);
    expect(await cost(`query($n: Int) ${nested('first: $n', 'first: $n')}`, { n: 100 })).toBe(30_400);
    expect(await cost(`query($n: Int = 5) ${nested('first: $n', 'first: $n')}`)).toBe(5 * (4 + 5 * 3));
    expect(await cost('{ offerings { totalCount } }')).toBe(20);
    expect(await cost('{ offerings(first: 1000) { totalCount } }')).toBe(100);
  });

  it('counts a month range as its months: Offering.capacity and capacityOverview (offerings x months), not a flat 5', async () => {
    expect(await cost('{ offering(id: "x") { capacity(from: "2027-01", to: "2028-12") { month } } }')).toBe(1 + 24);
    const overview = (args: string) =>
      `query($from: Month!, $to: Month!) { capacityOverview(providerId: "x", from: $from, to: $to${args}) { offering { id } months { month } } }`;
    expect(await cost(overview(''), { from: '2027-01', to: '2028-12' })).toBe(100 * (1 + 1 + 24));
    expect(await cost(overview(', first: 10'), { from: '2027-01', to: '2027-12' })).toBe(10 * (1 + 1 + 12));
  });

  it('counts fragments where they are spread and leaves nothing for scalars or introspection', async () => {
    expect(
      await cost(
        '{ offerings(first: 10) { ...Page } } fragment Page on OfferingConnection { edges { node { id title } } }',
      ),
    ).toBe(10 * (1 + 2));
    expect(await cost('{ __typename viewer { role } __schema { types { name } } }')).toBe(1);
  });
});

describe('introspection', () => {
  const INTROSPECT = '{ __schema { types { name } } }';

  it('is refused to anonymous requests', async () => {
    for (const q of [INTROSPECT, '{ __type(name: "Query") { fields { name } } }']) {
      const r = await t.gql(q, {}, null);
      expect(r.data ?? null).toBeNull();
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    }
  });

  it('is allowed with an API key, with its depth limited', async () => {
    const p = await provider(t);
    const d = ok(await t.gql<IntrospectionQuery>(INTROSPECT, {}, p.key));
    expect(d.__schema.types.map((x) => x.name)).toContain('Offering');
    const deep = await t.gql(
      '{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }',
      {},
      p.key,
    );
    expect(errorCode(deep)).toBe('BAD_USER_INPUT');
  });
});

describe('HTTP', () => {
  it('refuses GET with a simple (non-JSON) content type, and text/plain POSTs (CSRF)', async () => {
    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'content-type': 'text/plain' },
    });
    expect(get.status).toBeGreaterThanOrEqual(400);
    const before = await t.sql('select count(*)::int as n from organization');
    const mutation = JSON.stringify({
      query:
        'mutation { createOrganization(input: { name: "CSRF", kind: HOSPITAL, stateCode: "US-OH", ehrPlatformCode: "EPIC" }) { organization { id } } }',
    });
    const text = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${OPERATOR_KEY}` },
      body: mutation,
    });
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect((await t.sql('select count(*)::int as n from organization'))[0].n).toBe(before[0].n);
  });

  it('refuses mutations over GET with 405', async () => {
    const m = encodeURIComponent('mutation { publishOffering(input: { id: "x" }) { userErrors { code } } }');
    const r = await fetch(`${t.url}?query=${m}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${OPERATOR_KEY}` },
    });
    expect(r.status).toBe(405);
  });

  it('sends security headers and private, no-store for authenticated responses', async () => {
    const r = await t.gql('{ ehrPlatforms { code } }');
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('x-request-id')).toBeTruthy();
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("worker-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('allows no cross-origin caller unless configured', async () => {
    const r = await fetch(t.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('masks a database error: INTERNAL_SERVER_ERROR without SQL, table, column or stack', async () => {
    await createOrg(t);
    await t.sql('alter table organization rename column name to name_hidden');
    try {
      const r = await t.gql('{ organizations(first: 5) { edges { node { id name } } } }');
      expect(errorCode(r)).toBe('INTERNAL_SERVER_ERROR');
      const body = JSON.stringify(r.errors!.map(({ message, extensions }) => ({ message, extensions })));
      for (const leak of [
        'organization',
        'name_hidden',
        'select',
        'column',
        'relation',
        'stack',
        'at ',
        '.ts',
        'postgres',
      ])
        expect(body.toLowerCase()).not.toContain(leak);
      expect(r.errors![0].extensions?.requestId).toBeTruthy();
    } finally {
      await t.sql('alter table organization rename column name_hidden to name');
    }
    ok(await t.gql('{ organizations(first: 1) { totalCount } }'));
  });

  it('passes every MUST audit of the GraphQL-over-HTTP spec (graphql-http)', async () => {
    const fetchFn = (input: string | URL | Request, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${OPERATOR_KEY}`);
      return fetch(input, { ...init, headers });
    };
    const results = await Promise.all(serverAudits({ url: t.url, fetchFn }).map((a) => a.fn()));
    const mustFailures = results
      .filter((r) => r.name.startsWith('MUST') && r.status === 'error')
      .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(mustFailures).toEqual([]);
    expect(results.filter((r) => r.name.startsWith('MUST')).length).toBeGreaterThan(10);
  });
});

describe('automatic persisted queries', () => {
  it('registers a query by hash in Redis and runs it by hash', async () => {
    const query = '{ serviceCategories { code } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const send = async (body: object) => (await (await post(t.url, JSON.stringify(body))).json()) as GqlResult;
    const miss = await send({ extensions });
    expect(errorCode(miss)).toBe('PERSISTED_QUERY_NOT_FOUND');
    ok(await send({ query, extensions }));
    const hit = await send({ extensions });
    expect(ok(hit).serviceCategories.length).toBeGreaterThan(0);
    const redis = createClient({ url: process.env.TEST_REDIS_URL });
    await redis.connect();
    try {
      expect((await redis.keys(`*:apq:*${sha256Hash}`)).length).toBe(1);
    } finally {
      await redis.close();
    }
  });
});

describe('rate limits', () => {
  let limited: TestApi;
  beforeAll(async () => {
    // Per-IP counts run in memory here: other test files share the Redis and the client IP.
    limited = await startTestApi({
      RATE_LIMIT_PER_MINUTE: '20',
      RATE_LIMIT_IP_PER_MINUTE: '3',
      CORS_ORIGINS: 'https://portal.example.org',
      REDIS_URL: '',
    });
  });
  afterAll(() => limited.close());

  it('limits a key in operations: 429 with Retry-After and RATE_LIMITED', async () => {
    const org = await createOrg(limited); // the operator key spends one point here
    const key = await createKey(limited, org, 'SALES'); // and one here
    const results: GqlResult[] = [];
    for (let i = 0; i < 21; i++) results.push(await limited.gql('{ viewer { role } }', {}, key));
    expect(results.slice(0, 20).every((r) => r.status === 200)).toBe(true);
    const over = results[20];
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(over.errors).toEqual([{ message: expect.any(String), extensions: { code: 'RATE_LIMITED' } }]);
    // Another key is not affected.
    ok(await limited.gql('{ viewer { role } }', {}, await createKey(limited, org, 'SALES')));
  });

  it('limits a key in cost: an expensive query spends many points', async () => {
    const org = await createOrg(limited);
    const key = await createKey(limited, org, 'SALES');
    // 100 organizations x (edges + node + 5 offerings x 3) ~ 1,700 cost = 17 points of 20.
    const expensive =
      '{ organizations(first: 100) { edges { node { offerings(first: 5) { edges { node { id } } } } } } }';
    expect((await limited.gql(expensive, {}, key)).status).toBe(200);
    const r = await limited.gql(expensive, {}, key);
    expect(r.status).toBe(429);
    expect(errorCode(r)).toBe('RATE_LIMITED');
  });

  it('limits requests without a valid key per client IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await limited.gql('{ __typename }', {}, i % 2 ? null : 'hsx_guessed-key')).status);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
  });

  it('answers CORS preflights for allow-listed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(limited.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://portal.example.org');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.example.org');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const origin = (o: string) => post(limited.url, JSON.stringify({ query: '{ __typename }' }), { origin: o });
    expect((await origin('https://portal.example.org')).headers.get('access-control-allow-origin')).toBe(
      'https://portal.example.org',
    );
    expect((await origin('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('observability', () => {
  it('logs one JSON line per request with its facts, and never a secret or the Authorization header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const db = await createDatabase();
    const api = await startApi(
      loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        LOG_LEVEL: 'info',
        DEMO_DATA: 'false',
        DATABASE_URL: db.url,
        REDIS_URL: process.env.TEST_REDIS_URL,
        OPERATOR_API_KEY: OPERATOR_KEY,
      }),
      { logDestination: sink },
    );
    try {
      const url = `http://127.0.0.1:${api.port}/graphql`;
      const org = ok(
        await gql(
          url,
          'mutation { createOrganization(input: { name: "Logged", kind: HOSPITAL, stateCode: "US-OH", ehrPlatformCode: "EPIC" }) { organization { id } } }',
        ),
      );
      const created = ok(
        await gql(
          url,
          'mutation CreateKey($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }',
          {
            i: { organizationId: org.createOrganization.organization!.id, role: 'ADMIN', label: 'logged' },
          },
        ),
      );
      const { secret } = created.createApiKey;
      expect(errorCode(await gql(url, '{ viewer { role } }', {}, 'hsx_wrong-key'))).toBe('UNAUTHENTICATED');
      ok(await gql(url, 'query Me { viewer { role } }', {}, secret));
      const log = lines.join('\n');
      expect(log).not.toContain(secret);
      expect(log).not.toContain(OPERATOR_KEY);
      expect(log).not.toContain('hsx_wrong-key');
      expect(log.toLowerCase()).not.toContain('bearer');
      const requests = lines
        .map((l): Record<string, unknown> => JSON.parse(l))
        .filter((l) => l.msg === 'graphql request');
      expect(requests).toHaveLength(4);
      const createKeyLine = requests.find((l) => l.operationName === 'CreateKey');
      expect(createKeyLine).toMatchObject({
        status: 200,
        role: 'OPERATOR',
        apiKeyId: expect.any(String),
        requestId: expect.any(String),
      });
      expect(createKeyLine!.durationMs).toEqual(expect.any(Number));
      expect(createKeyLine!.sqlStatements).toBeGreaterThan(0);
      expect(requests.find((l) => l.status === 401)).toMatchObject({ errorCodes: ['UNAUTHENTICATED'] });
      expect(requests.find((l) => l.operationName === 'Me')).toMatchObject({
        role: 'ADMIN',
        apiKeyId: created.createApiKey.apiKey!.id,
      });
    } finally {
      await api.stop();
      forgetCachedKeys();
      await db.drop();
    }
  });

  it('exposes Prometheus metrics: requests, latency per operation, errors by code, DB pool, conflicts', async () => {
    ok(await t.gql('query Categories { serviceCategories { code } }'));
    await t.gql('{ offerings(first: 1000) { totalCount } }');
    const r = await fetch(t.url.replace('/graphql', '/metrics'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await r.text();
    expect(text).toMatch(/graphql_requests_total\{operation="serviceCategories",status="200"\} \d+/);
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{le="0.1",operation="serviceCategories"\} \d+/);
    expect(text).toMatch(/graphql_errors_total\{code="BAD_USER_INPUT"\} \d+/);
    expect(text).toMatch(/db_pool_connections\{state="free"\} \d+/);
    expect(text).toContain('reservation_conflicts_total');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('reports readiness with the database and Redis', async () => {
    const r = await fetch(t.url.replace('/graphql', '/readyz'));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ready', database: true, redis: true, degraded: false });
  });
});
