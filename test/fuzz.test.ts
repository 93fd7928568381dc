// Property-based fuzzing: random documents, variables and inputs built from the schema, for every
// query, mutation and subscription field and every role, sent over HTTP. Whatever they contain, the
// answer is never a 5xx and never INTERNAL_SERVER_ERROR. `npm test` runs a bounded number of cases
// (FUZZ_RUNS, default 500); `npm run fuzz` a longer run (FUZZ_RUNS=3000). A failure prints the
// shrunk request and fast-check's seed (FUZZ_SEED reproduces it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { randomUUID } from 'node:crypto';
import { OPERATOR_KEY, startTestApi, type TestApi } from './support/api';
import {
  buyer,
  createKey,
  createNeed,
  createOffering,
  createOrg,
  issueQuote,
  needInput,
  nextMonth,
  offeringInput,
  provider,
  setCapacity,
  ACCEPT,
} from './support/fixtures';

/** Valid inputs by type, filled in once the world exists: the fuzz changes one field of them, which reaches past validation. */
const validInputs: Record<string, () => Record<string, unknown>> = {};

const schema = buildSchema(readFileSync(path.join(__dirname, '../schema/schema.graphql'), 'utf8'));
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

let t: TestApi;
const ids: string[] = [];
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApi({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_IP_PER_MINUTE: '0' });
  // A small world, so that random ids often name real objects and the fuzz reaches deep paths.
  const p = await provider(t);
  const b = await buyer(t);
  const network = await createOrg(t, { kind: 'NETWORK' });
  const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
  const offeringId = await createOffering(t, p.key);
  await setCapacity(t, p.key, offeringId, [nextMonth(1), nextMonth(2), nextMonth(3)], 10_000);
  const needId = await createNeed(t, b.key);
  const quoteId = await issueQuote(t, p.key, { needId, offeringId });
  const quote2 = await issueQuote(t, p.key, { needId: await createNeed(t, b.key), offeringId });
  const accepted = (await t.gql(ACCEPT, { i: { quoteId: quote2 } }, b.key)).data?.acceptQuote.engagement?.id;
  ids.push(p.id, b.id, network, member, offeringId, needId, quoteId, quote2, ...(accepted ? [accepted] : []));
  Object.assign(validInputs, {
    CreateOfferingInput: () => offeringInput(),
    UpdateOfferingInput: () => ({ id: offeringId, pricing: offeringInput().pricing }),
    CreateNeedInput: () => needInput(),
    UpdateNeedInput: () => ({ id: needId, monthlyVolume: 50 }),
    MatchInput: () => ({
      categoryCode: 'REVENUE_CYCLE',
      monthlyVolume: 100,
      startMonth: nextMonth(1),
      durationMonths: 3,
    }),
    IssueQuoteInput: () => ({ needId, offeringId, validDays: 7 }),
    ReviseQuoteInput: () => ({ quoteId, pilotMonths: 1, pilotUnits: 10 }),
    SetCapacityInput: () => ({ offeringId, months: [{ month: nextMonth(1), totalUnits: 500 }] }),
    CreateOrganizationInput: () => ({
      name: `Fuzz ${randomUUID()}`,
      kind: 'HOSPITAL',
      stateCode: 'US-OH',
      ehrPlatformCode: 'EPIC',
    }),
    RecordPerformanceInput: () => ({
      engagementId: accepted,
      month: nextMonth(0),
      deliveredUnits: 10,
      metrics: [{ metric: 'clean_claim_rate_pct', value: 96 }],
    }),
    TerminateEngagementInput: () => ({ engagementId: accepted, effectiveMonth: nextMonth(2), reason: 'fuzz' }),
    SignBaaInput: () => ({ engagementId: accepted, signedAt: new Date().toISOString() }),
  });
  Object.assign(keys, {
    operator: OPERATOR_KEY,
    providerAdmin: p.key,
    buyerAdmin: b.key,
    sales: await createKey(t, p.id, 'SALES'),
    integration: await createKey(t, network, 'INTEGRATION'),
    anonymous: '',
  });
}, 120_000);
afterAll(() => t?.close());

// ---- values for input types -------------------------------------------------------------------

const anyJson = fc.jsonValue({ maxDepth: 2 });
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', 'x'.repeat(5000), '%_\\', "'; drop table need; --"),
);
const month = fc.oneof(
  fc.integer({ min: -2, max: 70 }).map((n) => nextMonth(n)),
  fc.constantFrom('2027-13', '0000-01', '9999-12', '2027-1', '1970-01'),
);
const decimal = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '0',
      '0.00',
      '0.0350',
      '5.25',
      '999999.9999',
      '1000000',
      '1000000.0000',
      '99999999.99',
      '100000000.00',
      '123456789012',
      '999999999999.9999',
      '1e5',
      '-1',
      '00.1',
      'NaN',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat({ max: 10 ** 9 }), fc.nat({ max: 9999 }))
      .map(([a, b]) => `${a}.${String(b).padStart(4, '0')}`),
  },
);
const id = fc
  .oneof(
    fc.constantFrom(...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => () => ids[i])),
    fc.constant(() => randomUUID()),
    fc.constantFrom(
      () => 'nope',
      () => '',
    ),
  )
  .map((f) => f() ?? 'x');

function scalar(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constantFrom(0, 1, 100, 101, 2 ** 31 - 1, -(2 ** 31)));
    case 'Float':
      return fc.oneof(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.constantFrom(0, 0.5, 1, 33.335, 100, 100.01, 1e300),
      );
    case 'Boolean':
      return fc.boolean();
    case 'ID':
      return id;
    case 'Month':
      return month;
    case 'Decimal':
      return decimal;
    case 'DateTime':
      return fc.oneof(
        fc
          .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        fc.constantFrom('2027-02-30T00:00:00Z', 'yesterday'),
      );
    default:
      return text;
  }
}

function arbitraryOf(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type))
    return fc.oneof(
      { weight: 30, arbitrary: arbitraryOf(type.ofType as GraphQLInputType, depth) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  const plain: fc.Arbitrary<unknown> = (() => {
    if (isListType(type))
      return fc.array(arbitraryOf(type.ofType as GraphQLInputType, depth + 1), { maxLength: depth > 2 ? 1 : 4 });
    if (isEnumType(type))
      return fc.oneof(
        { weight: 10, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) },
        { weight: 1, arbitrary: text },
      );
    if (isInputObjectType(type)) {
      if (depth > 4) return fc.constant({});
      const valid = validInputs[type.name];
      if (valid) {
        // A valid input with one field, at any depth, replaced by a random value of its type.
        const changed = fc
          .constantFrom(...leafPaths(type, valid()))
          .chain(({ path, fieldType }) =>
            arbitraryOf(fieldType, depth + path.length).map((v) => setPath(valid(), path, v)),
          );
        return fc.oneof(
          { weight: 4, arbitrary: changed },
          { weight: 1, arbitrary: fc.constant(null).map(() => valid()) },
          { weight: 1, arbitrary: randomObject(type, depth) },
        );
      }
      return randomObject(type, depth);
    }
    return scalar(type.name);
  })();
  // Sometimes anything at all (wrong types, unknown fields), sometimes null.
  return fc.oneof(
    { weight: 20, arbitrary: plain },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

/** The fields of an example input, nested ones included (lists through their first item), with their types. */
function leafPaths(
  type: GraphQLInputObjectType,
  example: Record<string, unknown>,
  prefix: (string | number)[] = [],
): { path: (string | number)[]; fieldType: GraphQLInputType }[] {
  return Object.values(type.getFields()).flatMap((f) => {
    const path = [...prefix, f.name];
    const own = [{ path, fieldType: f.type }];
    let inner = isNonNullType(f.type) ? f.type.ofType : f.type;
    let value = example[f.name];
    if (isListType(inner)) {
      inner = isNonNullType(inner.ofType) ? inner.ofType.ofType : inner.ofType;
      if (!Array.isArray(value) || !value.length) return own;
      path.push(0);
      value = value[0];
    }
    return isInputObjectType(inner) && value && typeof value === 'object'
      ? [...own, ...leafPaths(inner, value as Record<string, unknown>, path)]
      : own;
  });
}

function setPath(o: Record<string, unknown>, path: (string | number)[], v: unknown): Record<string, unknown> {
  let at: Record<string | number, unknown> = o;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]] = v;
  return o;
}

function randomObject(type: GraphQLInputObjectType, depth: number): fc.Arbitrary<unknown> {
  const fields = Object.values(type.getFields());
  const model = Object.fromEntries(fields.map((f) => [f.name, arbitraryOf(f.type, depth + 1)]));
  const required = fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => f.name);
  return fc.record(model, { requiredKeys: required as never[] });
}

// ---- documents --------------------------------------------------------------------------------

/** A selection for a type: its leaf fields, and objects below it to a small depth (lists of 3). */
function selection(type: GraphQLOutputType, depth: number): fc.Arbitrary<string> {
  const named = getNamedType(type);
  if (isLeafType(named)) return fc.constant('');
  if (isUnionType(named) || isInterfaceType(named)) return fc.constant('{ __typename }');
  const obj = named as GraphQLObjectType;
  const fields = Object.values(obj.getFields()).filter((f) =>
    f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined || isFromTo(f)),
  );
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type))).map((f) => f.name);
  const objects = depth >= 3 ? [] : fields.filter((f) => !isLeafType(getNamedType(f.type)));
  return fc
    .tuple(
      fc.subarray(leaves, { minLength: Math.min(1, leaves.length) }),
      fc.subarray(objects, { maxLength: Math.min(3, objects.length) }),
    )
    .chain(([ls, os]) =>
      (os.length
        ? fc.tuple(...os.map((f) => selection(f.type, depth + 1).map((s) => `${f.name}${argsOf(f)} ${s}`)))
        : fc.constant([] as string[])
      ).map((subs) => `{ __typename ${[...ls, ...subs].join(' ')} }`),
    );
}
const isFromTo = (f: GraphQLField<unknown, unknown>) =>
  f.args.some((a) => a.name === 'from') && f.args.some((a) => a.name === 'to');
const argsOf = (f: GraphQLField<unknown, unknown>) => {
  const given = [
    f.args.some((a) => a.name === 'first') ? 'first: 3' : '',
    isFromTo(f) ? `from: "${nextMonth(0)}", to: "${nextMonth(3)}"` : '',
  ].filter(Boolean);
  return given.length ? `(${given.join(', ')})` : '';
};

interface Case {
  document: string;
  operationName?: string;
  variables: Record<string, unknown>;
  key: string;
}

/** Some documents carry a second operation, run with no, an unknown or the right operationName. */
const SECOND = ['none', 'no name', 'unknown name', 'named'] as const;

async function send(c: Case) {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(c.key ? { authorization: `Bearer ${c.key}` } : {}) },
    body: JSON.stringify({ query: c.document, variables: c.variables, operationName: c.operationName }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    errors?: { extensions?: { code?: string } }[];
    data?: unknown;
  };
  return { status: res.status, ...body };
}

const roots = (['query', 'mutation', 'subscription'] as const).flatMap((kind) => {
  const root =
    kind === 'query'
      ? schema.getQueryType()
      : kind === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return root ? Object.values(root.getFields()).map((field) => ({ kind, field })) : [];
});

/** Operations whose input has a valid example are chosen more often: they reach deepest. */
const hasExample = (field: GraphQLField<unknown, unknown>) =>
  field.args.some((a) => validInputs[getNamedType(a.type).name] !== undefined);
const aRoot = fc
  .constant(null)
  .chain(() => fc.oneof(...roots.map((r) => ({ weight: hasExample(r.field) ? 10 : 1, arbitrary: fc.constant(r) }))));

const aCase: fc.Arbitrary<Case> = aRoot.chain(({ kind, field }) =>
  fc
    .record({
      variables: fc.record(Object.fromEntries(field.args.map((a) => [a.name, arbitraryOf(a.type)])), {
        requiredKeys: [],
      }),
      selection: selection(field.type, 1),
      role: fc.constantFrom(
        'operator',
        'providerAdmin',
        'providerAdmin',
        'buyerAdmin',
        'buyerAdmin',
        'sales',
        'integration',
        'anonymous',
      ),
      second: fc.constantFrom(...SECOND),
    })
    .map(({ variables, selection: sel, role, second }) => {
      const decl = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
      const use = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      return {
        document: `${kind} Fuzz${decl ? `(${decl})` : ''} { ${field.name}${use ? `(${use})` : ''} ${sel} }${second === 'none' ? '' : ' query Other { __typename }'}`,
        operationName: second === 'unknown name' ? 'Nope' : second === 'named' ? 'Fuzz' : undefined,
        variables,
        key: keys[role],
      };
    }),
);

it(`${RUNS} random requests over every operation and role: never a 5xx, never INTERNAL_SERVER_ERROR`, async () => {
  await fc.assert(
    fc.asyncProperty(aCase, async (c) => {
      const r = await send(c);
      const internal = (r.errors ?? []).filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
      if (r.status >= 500 || internal.length)
        throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.errors)?.slice(0, 500)}`);
    }),
    {
      numRuns: RUNS,
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
      endOnFailure: false,
      interruptAfterTimeLimit: Number(process.env.FUZZ_TIME_LIMIT_MS ?? 0) || undefined,
    },
  );
}, 600_000);

it('positive control: the generator produces requests that succeed', async () => {
  const samples = fc.sample(aCase, { numRuns: 60, seed: 42 });
  let succeeded = 0;
  for (const c of samples) {
    const r = await send(c);
    if (r.status === 200 && !r.errors?.length) succeeded++;
  }
  expect(succeeded).toBeGreaterThan(0);
});
