// Queries run compiled (graphql-jit, src/server/jit-executor.ts). This proves the compiled answers
// equal graphql-js's, data and errors alike, for every saved explorer operation and a set of queries
// that cover the schema's shapes (nested pages, capacity views, fragments, aliases, directives,
// variables, custom scalars, enums, nulls and errors), for every kind of key, on the demo network.
import { execute, parse, getOperationAST, Kind, validate, type ExecutionResult } from 'graphql';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { isCompiledQuery } from 'graphql-jit';
import { buildAppSchema } from '../src/app/schema';
import { jitExecutor, queryCompiler } from '../src/server/jit-executor';
import { createContext } from '../src/app/context';
import { savedOperations } from '../src/explorer/saved-operations';
import { addMonths, currentMonth } from '../src/shared/month';
import { startTestApi, type TestApi } from './support/api';

const KEYS = [
  'hsx_demo_operator',
  'hsx_demo_provider_admin',
  'hsx_demo_provider_sales',
  'hsx_demo_buyer_admin',
  'hsx_demo_network_integration',
];
const from = currentMonth();
const to = addMonths(from, 23);

const QUERIES: { name: string; query: string; variables?: (ids: Ids) => Record<string, unknown>; fails?: boolean }[] = [
  {
    name: 'nested offerings read',
    query: `query($from: Month!, $to: Month!) { offerings(first: 50) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id title status provider { id name stateCode kind } category { code name unit } ehrPlatforms { code name }
        regions { code name } pricing { currency unitPrice monthlyMinimum setupFee tiers { fromUnits unitPrice } } slaTargets { metric target direction } createdAt
        capacity(from: $from, to: $to) { month totalUnits sellableUnits heldUnits committedUnits conditionalUnits reservedUnits availableUnits utilization phase } } } } }`,
    variables: () => ({ from, to }),
  },
  {
    name: 'fragments, aliases, directives and defaults',
    query: `query($withProvider: Boolean = true, $skipTitle: Boolean!, $first: Int = 5) {
      a: offerings(first: $first, filter: { status: PUBLISHED }) { ...page }
      b: offerings(first: 2, after: null) { edges { node { id title @skip(if: $skipTitle) provider @include(if: $withProvider) { ... on Organization { id name } } } } }
      serviceCategories { code name unit } ehrPlatforms { code name vendor } regions { code name }
      viewer { role organization { id name } }
    }
    fragment page on OfferingConnection { totalCount edges { node { id title provider { name } } } }`,
    variables: () => ({ skipTitle: true }),
  },
  {
    name: 'organizations with members and offerings',
    query: `{ organizations(first: 20) { totalCount edges { node { id name kind stateCode network { id name }
      members(first: 3) { totalCount edges { node { id name } } } offerings(first: 3) { totalCount edges { node { id title status } } }
      phasePolicy { currentPhase { name maxExternalShare maxActiveEngagements } phases { name } enteredCurrentPhaseAt } } } } }`,
  },
  {
    name: 'needs, quotes and engagements',
    query: `{ needs(first: 30) { totalCount edges { node { id status category { code } region { code } ehrPlatform { code } monthlyVolume startMonth durationMonths maxUnitPrice notes buyer { id name } } } }
      quotes(first: 30) { totalCount edges { node { id status version total currency expiresAt schedule { month units phase unitPrice amount }
        need { id status } offering { id title } } } }
      engagements(first: 30) { totalCount edges { node { id status phase baaSignedAt quote { id total } provider { name } buyer { name } } } } }`,
  },
  {
    name: 'one need with its quotes, missing and malformed ids',
    query: `query($needId: ID!) { need(id: $needId) { id status quotes(first: 10) { totalCount edges { node { id status total version supersedes { id } offering { title provider { name } } } } } }
      missing: need(id: "00000000-0000-4000-8000-000000000000") { id } malformed: offering(id: "nope") { id } }`,
    variables: (ids) => ({ needId: ids.needId }),
  },
  {
    name: 'capacity overview and audit trail',
    query: `query($providerId: ID!, $from: Month!, $to: Month!) {
      capacityOverview(providerId: $providerId, from: $from, to: $to) { offering { id title } months { month availableUnits sellableUnits utilization } }
      auditTrail(first: 20) { totalCount edges { node { id action entityType entityId at } } } }`,
    variables: (ids) => ({ providerId: ids.providerId, from, to }),
  },
  {
    name: 'matches for a need',
    query: `query($needId: ID!) { matches(needId: $needId, first: 5) { score fullyAvailable offering { id title } provider { id name } breakdown { factor value weight } } }`,
    variables: (ids) => ({ needId: ids.needId }),
  },
  {
    name: 'a field error under non-null lists (bad month range)',
    query: `{ offerings(first: 3) { edges { node { id capacity(from: "2020-01", to: "2019-01") { month } } } } }`,
    fails: true,
  },
  {
    name: 'a field error on a nullable field',
    query: `{ offerings(first: 3) { totalCount } organization(id: "not-a-uuid") { id name } }`,
  },
];

interface Ids {
  needId: string;
  providerId: string;
}

let t: TestApi;
let ids: Ids;
beforeAll(async () => {
  t = await startTestApi({ DEMO_DATA: 'true' });
  const [need] = await t.sql<{ id: string }>(`select id from need where status = 'OPEN' order by created_at limit 1`);
  const [provider] = await t.sql<{ id: string }>(
    `select o.id from organization o join api_key k on k.organization_id = o.id where k.label = 'demo provider admin'`,
  );
  ids = { needId: need.id, providerId: provider.id };
}, 120_000);
afterAll(async () => {
  await t?.close();
});

/** The answer as a client receives it: JSON, errors reduced to their public parts. */
const asJson = (r: ExecutionResult) =>
  JSON.parse(
    JSON.stringify({
      data: r.data,
      errors: r.errors?.map((e) => ({
        message: e.message,
        path: e.path,
        locations: e.locations,
        code: e.extensions?.code,
      })),
    }),
  );

async function both(key: string, query: string, variables: Record<string, unknown>) {
  const schema = await buildAppSchema();
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  // Documents with several operations run their first one, named as a client would.
  const first = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operationName = first && 'name' in first && first.name ? first.name.value : null;
  const context = () => createContext(t.api.deps, { authorization: `Bearer ${key}`, requestId: 'jit-test' });
  const reference = await execute({
    schema,
    document,
    operationName,
    contextValue: await context(),
    variableValues: variables,
  });
  const executor = jitExecutor(schema);
  const run = async () =>
    executor({
      document,
      operation: getOperationAST(document, operationName)!,
      operationName,
      request: { variables },
      context: await context(),
    } as unknown as GatewayGraphQLRequestContext);
  await run(); // a query is compiled at its second run
  return { reference: asJson(reference), compiled: asJson(await run()) };
}

describe('compiled queries (graphql-jit) answer exactly as graphql-js', () => {
  const cases = [
    ...QUERIES,
    // Subscriptions run over WebSocket, not through this executor (test/dashboard.browser.test.ts runs the saved one).
    ...savedOperations
      .filter((op) => getOperationAST(parse(op.query))?.operation !== 'subscription')
      .map((op) => ({
        name: `saved: ${op.title}`,
        query: op.query,
        variables: (i: Ids) => ({
          ...op.variables({ today: new Date(), organizationId: i.providerId }),
          ...('needId' in op.variables({ today: new Date(), organizationId: null }) ? { needId: i.needId } : {}),
        }),
      })),
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let answered = 0;
    for (const key of KEYS) {
      const { reference, compiled } = await both(key, c.query, c.variables?.(ids) ?? {});
      expect(compiled).toEqual(reference);
      if ('fails' in c && c.fails ? reference.errors?.length : reference.data) answered++;
    }
    expect(answered).toBeGreaterThan(0); // the query ran (or failed as meant) somewhere, not only refused
  });

  it('compiles a query at its second run, once, and keeps the compiled form', async () => {
    const compile = queryCompiler(await buildAppSchema());
    const document = parse('{ serviceCategories { code } }');
    expect(compile(document, null)).toBeNull(); // first run: graphql-js
    const compiled = compile(document, null);
    expect(compiled && isCompiledQuery(compiled)).toBe(true);
    expect(compile(document, null)).toBe(compiled);
  });

  it('refuses invalid variables with graphql-js’s own errors', async () => {
    const { reference, compiled } = await both(KEYS[0], 'query($n: Int!) { offerings(first: $n) { totalCount } }', {
      n: 'ten',
    });
    expect(reference.errors[0].message).toMatch(/Variable "\$n" got invalid value/);
    expect(compiled).toEqual(reference);
  });
});
