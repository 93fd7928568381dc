// The tenancy matrix: the visibility policy (docs/hardening.md, "Who reads what") written here as a
// table of rules, and checked through the public API for every kind of reader: single reads, lists
// and their counts, private fields, the capacity book, the phase policy, the audit trail, live
// subscriptions and webhook deliveries. "Not yours" must read exactly like a random id. The rules
// below are stated independently of src/access/visibility.ts, so changing one rule there fails here.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import {
  type Answer,
  type AuditChanges,
  type GqlResult,
  ok,
  OPERATOR_KEY,
  startTestApi,
  type TestApi,
} from './support/api';
import type { ExchangeEvent, ExchangeEventConnection, Role, Subscription } from './support/schema-types';
import {
  ACCEPT,
  createKey,
  createNeed,
  createOffering,
  createOrg,
  issueQuote,
  nextMonth,
  setCapacity,
} from './support/fixtures';
import { sleep, waitFor } from './support/server-process';
import { bodyOf } from './support/webhook-receiver';
import { canReadEvent } from '../src/access/visibility';

// ---- The policy, as rules over organizations ------------------------------------------------
type Org = 'P' | 'C' | 'N' | 'B' | 'M' | 'U';
/** Organizations of the world: P and C compete as providers; N is a network with members B (buys) and M (buys and sells); U is an unrelated buyer. */
const NETWORK_OF: Partial<Record<Org, Org>> = { B: 'N', M: 'N' };

/** A reader: the operator (null) or an organization (every key of an organization reads the same). */
type ReaderOrg = Org | null;
const own = (r: ReaderOrg, org: Org) => r === null || r === org;
const buyingSide = (r: ReaderOrg, org: Org) => own(r, org) || (r !== null && NETWORK_OF[org] === r);

/** Who reads each kind of object (and field): the table of docs/hardening.md. */
const RULES = {
  publishedOffering: (_r: ReaderOrg, _o: { provider: Org }) => true,
  draftOffering: (r: ReaderOrg, o: { provider: Org }) => own(r, o.provider),
  capacityBook: (r: ReaderOrg, o: { provider: Org }) => own(r, o.provider),
  phasePolicy: (r: ReaderOrg, o: { org: Org }) => own(r, o.org),
  openNeed: (_r: ReaderOrg, _n: { buyer: Org }) => true,
  closedNeed: (r: ReaderOrg, n: { buyer: Org }) => buyingSide(r, n.buyer),
  needPrivateFields: (r: ReaderOrg, n: { buyer: Org }) => buyingSide(r, n.buyer),
  quote: (r: ReaderOrg, q: { provider: Org; buyer: Org }) => own(r, q.provider) || buyingSide(r, q.buyer),
  engagement: (r: ReaderOrg, e: { provider: Org; buyer: Org }) => own(r, e.provider) || buyingSide(r, e.buyer),
  /** An event: its parties, and the network of a party acting as buyer in it. */
  event: (r: ReaderOrg, e: { parties: Org[]; buyers: Org[] }) =>
    e.parties.some((p) => own(r, p)) || e.buyers.some((b) => buyingSide(r, b)),
  /** An audit entry: as its event, but an API key's only for its organization's ADMIN keys, a webhook's for its ADMIN and INTEGRATION keys (as the objects are read). */
  auditEntry: (r: ReaderOrg, role: Role, e: { entityType: string; parties: Org[]; buyers: Org[] }) =>
    e.entityType === 'ApiKey'
      ? e.parties.some((p) => own(r, p)) && (r === null || role === 'ADMIN')
      : e.entityType === 'Webhook'
        ? e.parties.some((p) => own(r, p)) && (r === null || role === 'ADMIN' || role === 'INTEGRATION')
        : RULES.event(r, e),
};

/** The kinds of reader the matrix runs for. */
const VIEWERS: { name: string; org: ReaderOrg; role: Role }[] = [
  { name: 'operator', org: null, role: 'OPERATOR' },
  { name: 'provider ADMIN', org: 'P', role: 'ADMIN' },
  { name: 'provider SALES', org: 'P', role: 'SALES' },
  { name: 'buyer ADMIN (network member)', org: 'B', role: 'ADMIN' },
  { name: 'network INTEGRATION', org: 'N', role: 'INTEGRATION' },
  { name: 'network ADMIN', org: 'N', role: 'ADMIN' },
  { name: 'member that also sells', org: 'M', role: 'ADMIN' },
  { name: 'competing provider', org: 'C', role: 'ADMIN' },
  { name: 'unrelated buyer', org: 'U', role: 'ADMIN' },
];

// ---- The world -------------------------------------------------------------------------------
interface World {
  orgId: Record<Org, string>;
  orgOf: Map<string, Org>;
  keys: Record<string, string>;
  offerings: { id: string; provider: Org; published: boolean }[];
  needs: { id: string; buyer: Org; open: boolean }[];
  quotes: { id: string; provider: Org; buyer: Org; needId: string }[];
  engagements: { id: string; provider: Org; buyer: Org }[];
  webhooks: { id: string; org: Org }[];
  /** Entity id -> the event rule's parties. */
  eventParties: Map<string, { parties: Org[]; buyers: Org[] }>;
  months: string[];
}

const WEBHOOK_EVENTS = ['quote.*', 'engagement.*', 'need.*', 'offering.*', 'capacity.*', 'phasePolicy.*', 'provider.*'];
const WEBHOOK_SECRET = 'whsec-matrix-0123456789abcdef';

let t: TestApi;
let w: World;
const received = new Map<Org, { type: string; entityId: string; id: string; data: unknown }[]>();
const servers: http.Server[] = [];
const clients: Client[] = [];
/** What a live subscription heard: one event per message, or the errors of a refused one. */
type Heard = Partial<Subscription> & { errors?: unknown };
const subscriptions = new Map<string, { quotes: Heard[]; engagements: Heard[]; needs: Heard[] }>();

async function receiver(org: Org): Promise<string> {
  received.set(org, []);
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const b = bodyOf({ body });
      received.get(org)!.push({ type: b.type, entityId: b.entityId, id: b.id, data: b.data });
      res.end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

function subscribe(key: string, query: string, into: Heard[], variables: Record<string, unknown> = {}) {
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  client.subscribe<Partial<Subscription>>(
    { query, variables },
    { next: (r) => into.push(r.data ?? { errors: r.errors }), error: () => {}, complete: () => {} },
  );
}

const activeSubscriptions = async () =>
  Number(
    /^graphql_subscriptions_active (\d+)/m.exec(
      await (await fetch(t.url.replace('/graphql', '/metrics'))).text(),
    )?.[1] ?? 0,
  );

async function buildWorld(): Promise<World> {
  const orgId = {} as Record<Org, string>;
  orgId.P = await createOrg(t, { kind: 'HEALTH_SYSTEM' });
  orgId.C = await createOrg(t, { kind: 'HEALTH_SYSTEM' });
  orgId.N = await createOrg(t, { kind: 'NETWORK' });
  orgId.B = await createOrg(t, { kind: 'HOSPITAL', networkId: orgId.N });
  orgId.M = await createOrg(t, { kind: 'HOSPITAL', networkId: orgId.N });
  orgId.U = await createOrg(t, { kind: 'HOSPITAL' });
  const orgOf = new Map(Object.entries(orgId).map(([k, v]) => [v, k as Org]));
  const keys: Record<string, string> = { operator: OPERATOR_KEY };
  for (const v of VIEWERS) if (v.org) keys[v.name] = await createKey(t, orgId[v.org], v.role);
  const admin = (o: Org) => keys[VIEWERS.find((v) => v.org === o && v.role === 'ADMIN')!.name];
  for (const o of Object.keys(orgId) as Org[]) keys[`admin ${o}`] = admin(o);
  const eventParties = new Map<string, { parties: Org[]; buyers: Org[] }>();
  const webhooks: World['webhooks'] = [];

  // Webhooks of every organization, and live subscriptions of every reader, before anything happens.
  for (const o of Object.keys(orgId) as Org[]) {
    const r = ok(
      await t.gql(
        `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { message } } }`,
        { i: { url: await receiver(o), events: WEBHOOK_EVENTS, secret: WEBHOOK_SECRET } },
        admin(o),
      ),
    );
    expect(r.createWebhook.userErrors).toEqual([]);
    eventParties.set(r.createWebhook.webhook!.id, { parties: [o], buyers: [] });
    webhooks.push({ id: r.createWebhook.webhook!.id, org: o });
  }
  const before = await activeSubscriptions();
  for (const v of VIEWERS) {
    const s = { quotes: [] as Heard[], engagements: [] as Heard[], needs: [] as Heard[] };
    subscriptions.set(v.name, s);
    subscribe(keys[v.name], `subscription { quoteEvents { id type quote { id } } }`, s.quotes);
    subscribe(keys[v.name], `subscription { engagementEvents { id type engagement { id } } }`, s.engagements);
    subscribe(keys[v.name], `subscription { needEvents { id need { id maxUnitPrice notes } } }`, s.needs);
  }
  await waitFor('the subscriptions', async () =>
    (await activeSubscriptions()) >= before + VIEWERS.length * 3 ? true : undefined,
  );

  const months = [nextMonth(1), nextMonth(2), nextMonth(3)];
  const offerings: World['offerings'] = [];
  const offering = async (o: Org, published: boolean) => {
    const id = await createOffering(t, admin(o), {}, published);
    offerings.push({ id, provider: o, published });
    if (published) await setCapacity(t, admin(o), id, months, 10_000);
    return id;
  };
  const offP = await offering('P', true);
  await offering('P', false);
  const offC = await offering('C', true);
  const offM = await offering('M', true);
  await offering('M', false);
  // A phase policy change of the member that also sells (its selling side: not the network's).
  ok(
    await t.gql(
      `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { message } } }`,
      { i: { providerId: orgId.M, phases: [{ name: 'PILOT', maxExternalShare: 0.5, maxActiveEngagements: 3 }] } },
      admin('M'),
    ),
  );

  const needs: World['needs'] = [];
  const need = async (o: Org, key: string) => {
    const id = await createNeed(t, key, {
      startMonth: months[0],
      durationMonths: 3,
      monthlyVolume: 100,
      maxUnitPrice: '9.00',
      notes: `private note of ${o}`,
      ...(key === keys['network INTEGRATION'] ? { buyerId: orgId[o] } : {}),
    });
    needs.push({ id, buyer: o, open: true });
    return id;
  };
  const needB = await need('B', admin('B'));
  const needBAwarded = await need('B', keys['network INTEGRATION']);
  const needU = await need('U', admin('U'));
  const needBCancelled = await need('B', admin('B'));
  ok(
    await t.gql(
      `mutation($i: CancelNeedInput!) { cancelNeed(input: $i) { userErrors { message } } }`,
      { i: { id: needBCancelled } },
      admin('B'),
    ),
  );
  needs.find((n) => n.id === needBCancelled)!.open = false;

  const quotes: World['quotes'] = [];
  const quote = async (o: Org, offeringId: string, needId: string, b: Org) => {
    const id = await issueQuote(t, admin(o), { needId, offeringId });
    quotes.push({ id, provider: o, buyer: b, needId });
    return id;
  };
  await quote('P', offP, needB, 'B');
  await quote('C', offC, needB, 'B');
  const awarded = await quote('P', offP, needBAwarded, 'B');
  const declined = await quote('M', offM, needU, 'U');
  ok(
    await t.gql(
      `mutation($i: DeclineQuoteInput!) { declineQuote(input: $i) { userErrors { message } } }`,
      { i: { id: declined, reason: 'a private decline reason' } },
      admin('U'),
    ),
  );
  const a = ok(await t.gql(ACCEPT, { i: { quoteId: awarded } }, admin('B'))).acceptQuote;
  expect(a.userErrors).toEqual([]);
  needs.find((n) => n.id === needBAwarded)!.open = false;
  const engagements = [{ id: a.engagement!.id as string, provider: 'P' as Org, buyer: 'B' as Org }];
  // Sub-objects of the engagement: a pending task-boundary proposal and the buyer's BAA signature.
  const tb = ok(
    await t.gql(
      `mutation($i: SetTaskBoundariesInput!) { setTaskBoundaries(input: $i) { userErrors { message } } }`,
      {
        i: {
          engagementId: a.engagement!.id,
          tasks: [{ owner: 'PROVIDER', task: 'private task of P and B' }],
          escalationContact: 'private contact',
        },
      },
      admin('P'),
    ),
  );
  expect(tb.setTaskBoundaries.userErrors).toEqual([]);
  const baa = ok(
    await t.gql(
      `mutation($i: SignBaaInput!) { signBaa(input: $i) { userErrors { message } } }`,
      { i: { engagementId: a.engagement!.id } },
      admin('B'),
    ),
  );
  expect(baa.signBaa.userErrors).toEqual([]);

  for (const o of offerings) eventParties.set(o.id, { parties: [o.provider], buyers: [] });
  for (const n of needs) eventParties.set(n.id, { parties: [n.buyer], buyers: [n.buyer] });
  for (const d of [...quotes, ...engagements])
    eventParties.set(d.id, { parties: [d.provider, d.buyer], buyers: [d.buyer] });
  for (const [o, id] of Object.entries(orgId)) eventParties.set(id, { parties: [o as Org], buyers: [] });
  return { orgId, orgOf, keys, offerings, needs, quotes, engagements, webhooks, eventParties, months };
}

/** Parties of an audit event as the rule sees them (keys and webhooks belong to their organization; operator keys to nobody). */
function partiesOf(e: { entityType: string; entityId: string; changes: AuditChanges | null }): {
  parties: Org[];
  buyers: Org[];
} {
  const known = w.eventParties.get(e.entityId);
  if (known) return known;
  const organizationId = e.changes?.after?.organizationId;
  const org = typeof organizationId === 'string' ? w.orgOf.get(organizationId) : undefined;
  if (e.entityType === 'ApiKey') return { parties: org ? [org] : [], buyers: [] };
  throw new Error(`an event the matrix does not know: ${e.entityType} ${e.entityId}`);
}

beforeAll(async () => {
  t = await startTestApi({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    EVENTS_POLL_MS: '50',
    WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
  });
  w = await buildWorld();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  for (const s of servers) s.close();
  await t.close();
});

const keyOf = (v: (typeof VIEWERS)[number]) => w.keys[v.name];

/** The same query for an object and for a random id: both responses, to compare "not yours" with "does not exist". */
async function readBoth(query: string, id: string, key: string) {
  const [mine, random] = await Promise.all([t.gql(query, { id }, key), t.gql(query, { id: randomUUID() }, key)]);
  return { mine: { data: mine.data, errors: mine.errors }, random: { data: random.data, errors: random.errors } };
}

describe.each(VIEWERS)('$name', (v) => {
  it('reads offerings, their capacity book and phase policies exactly as the policy says', async () => {
    const month = w.months[0];
    for (const o of w.offerings) {
      const q = `query($id: ID!) { offering(id: $id) { id capacity(from: "${month}", to: "${month}") { month availableUnits totalUnits sellableUnits heldUnits committedUnits conditionalUnits phase } } }`;
      const { mine, random } = await readBoth(q, o.id, keyOf(v));
      const visible = (o.published ? RULES.publishedOffering : RULES.draftOffering)(v.org, o);
      if (!visible) {
        expect(mine).toEqual(random);
        continue;
      }
      expect(mine.data!.offering!.id).toBe(o.id);
      const [m] = mine.data!.offering!.capacity;
      if (!o.published) continue;
      expect(m.availableUnits).not.toBeNull();
      const book = RULES.capacityBook(v.org, o);
      for (const f of [
        'totalUnits',
        'sellableUnits',
        'heldUnits',
        'committedUnits',
        'conditionalUnits',
        'phase',
      ] as const)
        expect([f, m[f] !== null]).toEqual([f, book]);
    }
    for (const org of ['P', 'M', 'C'] as Org[]) {
      const r = ok(
        await t.gql(
          `query($id: ID!) { organization(id: $id) { id phasePolicy { currentPhase { name maxActiveEngagements } } } }`,
          { id: w.orgId[org] },
          keyOf(v),
        ),
      );
      expect([org, r.organization!.phasePolicy !== null]).toEqual([org, RULES.phasePolicy(v.org, { org })]);
    }
    const list = ok(
      await t.gql(`{ offerings(first: 100) { totalCount edges { node { id } } } }`, {}, keyOf(v)),
    ).offerings;
    const expected = w.offerings
      .filter((o) => (o.published ? RULES.publishedOffering : RULES.draftOffering)(v.org, o))
      .map((o) => o.id);
    expect(list.edges.map((e) => e.node.id).sort()).toEqual(expected.sort());
    expect(list.totalCount).toBe(expected.length);
  });

  it('reads needs and their private fields exactly as the policy says', async () => {
    for (const n of w.needs) {
      const { mine, random } = await readBoth(
        `query($id: ID!) { need(id: $id) { id status maxUnitPrice notes } }`,
        n.id,
        keyOf(v),
      );
      if (!(n.open ? RULES.openNeed : RULES.closedNeed)(v.org, n)) {
        expect(mine).toEqual(random);
        continue;
      }
      const priv = RULES.needPrivateFields(v.org, n);
      expect(mine.data!.need).toMatchObject({
        id: n.id,
        maxUnitPrice: priv ? '9.00' : null,
        notes: priv ? `private note of ${n.buyer}` : null,
      });
    }
    const list = ok(await t.gql(`{ needs(first: 100) { totalCount edges { node { id } } } }`, {}, keyOf(v))).needs;
    const expected = w.needs.filter((n) => (n.open ? RULES.openNeed : RULES.closedNeed)(v.org, n)).map((n) => n.id);
    expect(list.edges.map((e) => e.node.id).sort()).toEqual(expected.sort());
    expect(list.totalCount).toBe(expected.length);
  });

  it('reads quotes (by id, in lists, on their need) and engagements exactly as the policy says', async () => {
    for (const q of w.quotes) {
      const { mine, random } = await readBoth(`query($id: ID!) { quote(id: $id) { id status total } }`, q.id, keyOf(v));
      if (RULES.quote(v.org, q)) expect(mine.data!.quote!.id).toBe(q.id);
      else expect(mine).toEqual(random);
    }
    const expectedQuotes = w.quotes
      .filter((q) => RULES.quote(v.org, q))
      .map((q) => q.id)
      .sort();
    const list = ok(await t.gql(`{ quotes(first: 100) { totalCount edges { node { id } } } }`, {}, keyOf(v))).quotes;
    expect(list.edges.map((e) => e.node.id).sort()).toEqual(expectedQuotes);
    expect(list.totalCount).toBe(expectedQuotes.length);
    const onNeeds: string[] = [];
    for (const n of w.needs) {
      const r = ok(
        await t.gql(
          `query($id: ID!) { need(id: $id) { quotes(first: 100) { totalCount edges { node { id } } } } }`,
          { id: n.id },
          keyOf(v),
        ),
      );
      if (r.need) onNeeds.push(...r.need.quotes.edges.map((e) => e.node.id));
    }
    // Need.quotes: the quotes it may read, on the needs it may read.
    const readableNeed = (id: string) =>
      w.needs.some((n) => n.id === id && (n.open ? RULES.openNeed : RULES.closedNeed)(v.org, n));
    expect(onNeeds.sort()).toEqual(
      w.quotes
        .filter((q) => RULES.quote(v.org, q) && readableNeed(q.needId))
        .map((q) => q.id)
        .sort(),
    );

    for (const e of w.engagements) {
      const { mine, random } = await readBoth(
        `query($id: ID!) { engagement(id: $id) { id status quote { id } } }`,
        e.id,
        keyOf(v),
      );
      if (RULES.engagement(v.org, e)) expect(mine.data!.engagement!.id).toBe(e.id);
      else expect(mine).toEqual(random);
    }
    const expectedEngagements = w.engagements
      .filter((e) => RULES.engagement(v.org, e))
      .map((e) => e.id)
      .sort();
    const engagements = ok(
      await t.gql(`{ engagements(first: 100) { totalCount edges { node { id } } } }`, {}, keyOf(v)),
    ).engagements;
    expect(engagements.edges.map((e) => e.node.id).sort()).toEqual(expectedEngagements);
    expect(engagements.totalCount).toBe(expectedEngagements.length);
  });

  it('reads the audit trail exactly as the policy says, and an object not yours like a random id', async () => {
    const all = ok(
      await t.gql(`{ auditTrail(first: 100) { totalCount edges { node { id action entityType entityId changes } } } }`),
    ).auditTrail;
    expect(all.totalCount).toBeLessThanOrEqual(100);
    const expected = all.edges
      .map((e) => e.node)
      .filter((e) => RULES.auditEntry(v.org, v.role, { entityType: e.entityType, ...partiesOf(e) }));
    const mine = ok(
      await t.gql(`{ auditTrail(first: 100) { totalCount edges { node { id action changes } } } }`, {}, keyOf(v)),
    ).auditTrail;
    expect(mine.edges.map((e) => `${e.node.action} ${e.node.id}`).sort()).toEqual(
      expected.map((e) => `${e.action} ${e.id}`).sort(),
    );
    expect(mine.totalCount).toBe(expected.length);
    for (const [id, parties] of w.eventParties) {
      if (RULES.event(v.org, parties)) continue;
      const { mine: m, random } = await readBoth(
        `query($id: ID!) { auditTrail(entityId: $id) { totalCount edges { node { id } } } }`,
        id,
        keyOf(v),
      );
      expect(m).toEqual(random);
    }
  });

  it('reads capacityOverview exactly as the policy says', async () => {
    const [from, to] = [w.months[0], w.months[0]];
    for (const provider of ['P', 'M', 'C'] as Org[]) {
      const r = ok(
        await t.gql(
          `query($id: ID!) { capacityOverview(providerId: $id, from: "${from}", to: "${to}") { offering { id } months { availableUnits totalUnits heldUnits phase } } }`,
          { id: w.orgId[provider] },
          keyOf(v),
        ),
      ).capacityOverview;
      const expected = w.offerings
        .filter(
          (o) => o.provider === provider && (o.published ? RULES.publishedOffering : RULES.draftOffering)(v.org, o),
        )
        .map((o) => o.id);
      expect(r.map((c) => c.offering.id).sort()).toEqual(expected.sort());
      const book = RULES.capacityBook(v.org, { provider });
      for (const c of r)
        for (const m of c.months)
          expect([provider, m.totalUnits !== null, m.heldUnits !== null, m.phase !== null]).toEqual([
            provider,
            book,
            book,
            book,
          ]);
    }
  });

  it("lists API keys as the policy says (an organization's ADMIN keys and the operator)", async () => {
    for (const org of Object.keys(w.orgId) as Org[]) {
      const r = await t.gql(
        `query($id: ID) { apiKeys(organizationId: $id) { totalCount } }`,
        { id: w.orgId[org] },
        keyOf(v),
      );
      const readable = v.org === null || (v.org === org && v.role === 'ADMIN');
      expect([org, (r.data?.apiKeys?.totalCount ?? 0) > 0]).toEqual([org, readable]);
    }
  });

  it('decides each recorded event as the policy says (canReadEvent, the rule live subscriptions apply before reading the object)', async () => {
    const rows = await t.sql<{
      entity_type: string;
      entity_id: string;
      changes: AuditChanges | null;
      party_ids: string[];
      buyer_ids: string[];
    }>(`select entity_type, entity_id, changes, party_ids, buyer_ids from audit_event`);
    const members = (o: ReaderOrg) =>
      (Object.keys(NETWORK_OF) as Org[]).filter((m) => o && NETWORK_OF[m] === o).map((m) => w.orgId[m]);
    const reader = { isOperator: v.org === null, organizationId: v.org && w.orgId[v.org], memberIds: members(v.org) };
    for (const e of rows) {
      const expected = RULES.event(
        v.org,
        partiesOf({ entityType: e.entity_type, entityId: e.entity_id, changes: e.changes }),
      );
      expect([
        e.entity_type,
        e.entity_id,
        canReadEvent(reader, { partyIds: e.party_ids, buyerIds: e.buyer_ids }),
      ]).toEqual([e.entity_type, e.entity_id, expected]);
    }
  });

  it('hears exactly the quote, engagement and need events it may read, with the same private fields', async () => {
    const s = subscriptions.get(v.name)!;
    const expectedQuotes = w.quotes.filter((q) => RULES.quote(v.org, q)).map((q) => q.id);
    const expectedEngagements = w.engagements.filter((e) => RULES.engagement(v.org, e)).map((e) => e.id);
    const openNeeds = w.needs.filter((n) => n.open);
    await waitFor('the events', async () =>
      new Set(s.quotes.map((e) => e.quoteEvents?.quote.id)).size >= expectedQuotes.length &&
      new Set(s.engagements.map((e) => e.engagementEvents?.engagement.id)).size >= expectedEngagements.length &&
      openNeeds.every((n) => s.needs.some((e) => e.needEvents?.need.id === n.id))
        ? true
        : undefined,
    );
    await sleep(300); // anything that should not arrive has had the time to
    expect([...new Set(s.quotes.map((e) => e.quoteEvents!.quote.id))].sort()).toEqual(expectedQuotes.sort());
    expect([...new Set(s.engagements.map((e) => e.engagementEvents!.engagement.id))].sort()).toEqual(
      expectedEngagements.sort(),
    );
    for (const n of openNeeds) {
      const e = s.needs.find((x) => x.needEvents?.need.id === n.id)!.needEvents;
      const priv = RULES.needPrivateFields(v.org, n);
      expect(e!.need).toEqual({
        id: n.id,
        maxUnitPrice: priv ? '9.00' : null,
        notes: priv ? `private note of ${n.buyer}` : null,
      });
    }
  });
});

describe('webhooks', () => {
  it.each(['P', 'C', 'N', 'B', 'M', 'U'] as Org[])(
    'organization %s receives exactly the events its keys may read, with the same data as its audit trail',
    async (org) => {
      const all = ok(
        await t.gql(`{ auditTrail(first: 100) { edges { node { id action entityType entityId changes } } } }`),
      ).auditTrail.edges.map((e) => e.node);
      const prefixes = WEBHOOK_EVENTS.map((p) => p.replace('*', ''));
      const expected = all.filter(
        (e) => prefixes.some((p) => e.action.startsWith(p)) && RULES.event(org, partiesOf(e)),
      );
      const got = received.get(org)!;
      await waitFor(`the deliveries to ${org}`, async () =>
        new Set(got.map((d) => d.id)).size >= expected.length ? true : undefined,
      );
      await sleep(300);
      expect([...new Set(got.map((d) => `${d.type} ${d.id}`))].sort()).toEqual(
        expected.map((e) => `${e.action} ${e.id}`).sort(),
      );
      const readable = new Map(
        ok(
          await t.gql(`{ auditTrail(first: 100) { edges { node { id changes } } } }`, {}, w.keys[`admin ${org}`]),
        ).auditTrail.edges.map((e) => [e.node.id, e.node.changes]),
      );
      for (const d of got) expect(d.data).toEqual(readable.get(d.id));
    },
  );
});

// ---- Matching, organizations, engagement sub-objects, webhooks and business views --------------
/** Rules for the rest of the read surface (same table). */
const MORE_RULES = {
  /** A need's budget and the buyer's relationships count in a ranking only for the buyer side. */
  matchesWithBuyerFacts: (r: ReaderOrg, n: { buyer: Org }) => buyingSide(r, n.buyer),
  /** Webhooks and their delivery logs: the organization's writing keys (ADMIN, INTEGRATION) and the operator. */
  webhook: (r: ReaderOrg, role: string, h: { org: Org }) => r === null || (r === h.org && role !== 'SALES'),
  /** Pipeline, booked revenue, utilization, servable demand: the provider itself. */
  providerViews: (r: ReaderOrg, p: Org) => own(r, p),
  /** Vendor portfolio: the buyer side (a network reads its members'). */
  buyerViews: (r: ReaderOrg, b: Org) => buyingSide(r, b),
};

const MATCH_FIELDS = `offering { id } provider { id } score fullyAvailable minAvailableUnits estimatedMonthlyCost currency warnings shortMonths breakdown { factor value weight reason }`;
const matchInput = (w: World, extra: Record<string, unknown> = {}) => ({
  categoryCode: 'REVENUE_CYCLE',
  monthlyVolume: 100,
  startMonth: w.months[0],
  durationMonths: 3,
  ehrPlatformCode: 'EPIC',
  regionCode: 'US-OH',
  includePartial: true,
  ...extra,
});
const MATCH_OFFERS = `query($i: MatchInput!) { matchOffers(input: $i, first: 50) { ${MATCH_FIELDS} } }`;

/** What the operator reads (every rule true): the reference a reader's answer must equal where the rule lets it read. */
let refs:
  | Promise<{ blind: Answer['matchOffers']; withBuyerB: Answer['matchOffers']; matches: Map<string, GqlResult> }>
  | undefined;
const references = () =>
  (refs ??= (async () => {
    const blind = ok(await t.gql(MATCH_OFFERS, { i: matchInput(w) })).matchOffers;
    const withBuyerB = ok(await t.gql(MATCH_OFFERS, { i: matchInput(w, { buyerId: w.orgId.B }) })).matchOffers;
    const matches = new Map<string, GqlResult>();
    for (const n of w.needs)
      matches.set(
        n.id,
        await t.gql(`query($id: ID!) { matches(needId: $id, first: 50, includePartial: true) { ${MATCH_FIELDS} } }`, {
          id: n.id,
        }),
      );
    return { blind, withBuyerB, matches };
  })());

const ENGAGEMENT_FIELDS = `id status phase startMonth endMonth baaRequired baaSignedAt escalationContact gateReportCount terminationNoticeMonths earliestTerminationMonth
  schedule { month units phase unitPrice amount } slaTargets { metric target unit direction } taskBoundaries { owner task } proposedTaskBoundaries { owner task }
  taskBoundaryProposal { escalationContact side tasks { owner task } } baaSignatures { side signedAt organization { id } } phaseHistory { from to at }
  performanceReports(first: 10) { totalCount edges { node { id } } }
  scorecard { attainment currency deliveredUnitsToDate disputesOpen quoteTotal scheduledUnitsToDate spendToDate months { month } metrics { metric } }
  quote { id total schedule { month units amount } } offering { id } provider { id } buyer { id } need { id maxUnitPrice notes }`;

describe('positive controls of the references', () => {
  it('the buyer side ranks with facts a seller must not see: the rankings differ', async () => {
    const r = await references();
    const needB = w.needs.find((n) => n.buyer === 'B' && n.open)!;
    expect(r.blind.length).toBeGreaterThan(0);
    expect(r.matches.get(needB.id)!.data!.matches).not.toEqual(r.blind);
    expect(r.withBuyerB).not.toEqual(r.blind);
  });
});

describe.each(VIEWERS)('$name (rest of the read surface)', (v) => {
  it("ranks matches and ad-hoc searches without the buyer's budget or relationships unless it reads the buyer side; a need not readable reads like a random id", async () => {
    const r = await references();
    for (const n of w.needs) {
      const { mine, random } = await readBoth(
        `query($id: ID!) { matches(needId: $id, first: 50, includePartial: true) { ${MATCH_FIELDS} } }`,
        n.id,
        keyOf(v),
      );
      if (!(n.open ? RULES.openNeed : RULES.closedNeed)(v.org, n)) {
        expect(mine).toEqual(random);
        continue;
      }
      const expected = MORE_RULES.matchesWithBuyerFacts(v.org, n) ? r.matches.get(n.id)!.data!.matches : r.blind;
      expect([n.buyer, mine.errors, mine.data!.matches]).toEqual([n.buyer, undefined, expected]);
    }
    const adHoc = ok(await t.gql(MATCH_OFFERS, { i: matchInput(w, { buyerId: w.orgId.B }) }, keyOf(v))).matchOffers;
    expect(adHoc).toEqual(MORE_RULES.matchesWithBuyerFacts(v.org, { buyer: 'B' }) ? r.withBuyerB : r.blind);
  });

  it('reads organizations (one and the list) with their private fields and offerings exactly as the policy says', async () => {
    const F = `id kind name network { id } members(first: 10) { edges { node { id } } } phasePolicy { currentPhase { name maxActiveEngagements } } offerings(first: 100) { totalCount edges { node { id } } }`;
    const L = `id kind name network { id } phasePolicy { currentPhase { name maxActiveEngagements } } offerings(first: 10) { totalCount }`;
    const list = ok(
      await t.gql(`{ organizations(first: 50) { edges { node { ${L} } } } }`, {}, keyOf(v)),
    ).organizations.edges.map((e) => e.node);
    for (const org of Object.keys(w.orgId) as Org[]) {
      const one = ok(
        await t.gql(`query($id: ID!) { organization(id: $id) { ${F} } }`, { id: w.orgId[org] }, keyOf(v)),
      ).organization;
      const inList = list.find((o) => o.id === w.orgId[org]);
      expect(inList).toEqual({
        id: one!.id,
        kind: one!.kind,
        name: one!.name,
        network: one!.network,
        phasePolicy: one!.phasePolicy,
        offerings: { totalCount: one!.offerings.totalCount },
      });
      expect([org, one!.phasePolicy !== null]).toEqual([org, RULES.phasePolicy(v.org, { org })]);
      const offerings = w.offerings
        .filter((o) => o.provider === org && (o.published ? RULES.publishedOffering : RULES.draftOffering)(v.org, o))
        .map((o) => o.id);
      expect([org, one!.offerings.edges.map((e) => e.node.id).sort(), one!.offerings.totalCount]).toEqual([
        org,
        offerings.sort(),
        offerings.length,
      ]);
      if (org === 'N') expect(one!.members.edges.map((e) => e.node.id).sort()).toEqual([w.orgId.B, w.orgId.M].sort());
    }
  });

  it("reads engagement sub-objects (schedule, terms, task boundaries, BAA, reports, scorecard, quote, need) only where it reads the engagement, the need's private fields only on the buyer side", async () => {
    for (const e of w.engagements) {
      const q = `query($id: ID!) { engagement(id: $id) { ${ENGAGEMENT_FIELDS} } }`;
      const { mine, random } = await readBoth(q, e.id, keyOf(v));
      if (!RULES.engagement(v.org, e)) {
        expect(mine).toEqual(random);
        continue;
      }
      const reference = ok(await t.gql(q, { id: e.id })).engagement;
      expect(reference!.taskBoundaryProposal!.escalationContact).toBe('private contact'); // control: the world filled them
      expect(reference!.baaSignatures).toHaveLength(1);
      const priv = RULES.needPrivateFields(v.org, { buyer: e.buyer });
      expect(mine.errors).toBeUndefined();
      expect(mine.data!.engagement).toEqual({
        ...reference,
        need: {
          ...reference!.need,
          maxUnitPrice: priv ? '9.00' : null,
          notes: priv ? `private note of ${e.buyer}` : null,
        },
      });
    }
  });

  it("lists webhooks and reads delivery logs only of its own organization (writing keys); another's reads like a random id", async () => {
    const r = await t.gql(`{ webhooks(first: 100) { totalCount edges { node { id } } } }`, {}, keyOf(v));
    const expected = w.webhooks
      .filter((h) => MORE_RULES.webhook(v.org, v.role, h))
      .map((h) => h.id)
      .sort();
    if (v.role === 'SALES') expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    else expect(r.data!.webhooks.edges.map((e) => e.node.id).sort()).toEqual(expected);
    for (const h of w.webhooks) {
      const { mine, random } = await readBoth(
        `query($id: ID!) { webhookDeliveries(webhookId: $id, first: 100) { totalCount edges { node { id } } } }`,
        h.id,
        keyOf(v),
      );
      if (MORE_RULES.webhook(v.org, v.role, h))
        expect([h.org, mine.errors, mine.data!.webhookDeliveries.totalCount > 0]).toEqual([h.org, undefined, true]);
      else expect(mine).toEqual(random);
    }
  });

  it('reads the events(after:) feed exactly as the policy says: the events it may read, with the data of the audit trail', async () => {
    const feed = async (key: string) => {
      const all: Pick<ExchangeEvent, 'id' | 'type' | 'entityType' | 'entityId' | 'data'>[] = [];
      let after: string | null = null;
      do {
        const page: ExchangeEventConnection = ok(
          await t.gql(
            `query($a: String) { events(first: 100, after: $a) { edges { node { id type entityType entityId data } } pageInfo { hasNextPage endCursor } } }`,
            { a: after },
            key,
          ),
        ).events;
        all.push(...page.edges.map((e) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      return all;
    };
    const everything = await feed(w.keys.operator);
    expect(everything.some((e) => e.entityType === 'Quote')).toBe(true); // control: the feed holds the world's deals
    const expected = everything.filter((e) =>
      RULES.event(v.org, partiesOf({ entityType: e.entityType, entityId: e.entityId, changes: e.data })),
    );
    expect(await feed(keyOf(v))).toEqual(expected);
  });

  it('reads the business views (pipeline, booked revenue, utilization, servable demand, vendor portfolio) exactly as the policy says', async () => {
    const [from, to] = [w.months[0], w.months[2]];
    const views = [
      `query($id: ID) { pipeline(providerId: $id, from: "${from}", to: "${to}") { providerId openTotals { currency amount } open { quoteId total } outcomes { __typename } winRate } }`,
      `query($id: ID) { bookedRevenue(providerId: $id, from: "${from}", to: "${to}") { providerId currency committedTotal conditionalTotal deliveredTotal } }`,
      `query($id: ID) { utilization(providerId: $id, from: "${from}", to: "${to}") { providerId phase maxExternalShare engagementSlots { __typename } offerings { __typename } } }`,
      `query($id: ID) { servableDemand(providerId: $id, first: 50) { providerId totalCount quotedCount needs { needId quoted bestFit } } }`,
    ];
    for (const provider of ['P', 'M', 'C'] as Org[])
      for (const q of views) {
        const { mine, random } = await readBoth(q, w.orgId[provider], keyOf(v));
        if (!MORE_RULES.providerViews(v.org, provider)) {
          expect(mine).toEqual(random);
          continue;
        }
        const reference = await t.gql(q, { id: w.orgId[provider] });
        expect([provider, q.slice(17, 40), mine]).toEqual([
          provider,
          q.slice(17, 40),
          { data: reference.data, errors: undefined },
        ]);
      }
    const portfolio = `query($id: ID) { vendorPortfolio(buyerId: $id) { buyerId activeEngagements vendorCount fragmentedCategories categories { __typename } } }`;
    for (const buyer of ['B', 'M', 'U'] as Org[]) {
      const { mine, random } = await readBoth(portfolio, w.orgId[buyer], keyOf(v));
      if (!MORE_RULES.buyerViews(v.org, buyer)) {
        expect(mine).toEqual(random);
        continue;
      }
      const reference = await t.gql(portfolio, { id: w.orgId[buyer] });
      expect([buyer, mine]).toEqual([buyer, { data: reference.data, errors: undefined }]);
    }
  });
});
