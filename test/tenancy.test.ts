// The security review's findings, each reproduced through HTTP (see docs/hardening.md, "Tenancy"):
// what a network reads of its members, what a refusal tells, how fast a revoked key stops working,
// who may list API keys. The full policy is checked by test/tenancy-matrix.test.ts.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { errorCode, type GqlResult, ok, startTestApi, type TestApi } from './support/api';
import {
  ACCEPT,
  buyer,
  createKey,
  createNeed,
  createOffering,
  createOrg,
  issueQuote,
  nextMonth,
  provider,
  setCapacity,
} from './support/fixtures';
import { sleep, waitFor } from './support/server-process';
import { bodyOf, type WebhookBody } from './support/webhook-receiver';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    EVENTS_POLL_MS: '50',
    WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
  });
});
afterAll(() => t.close());

const AUDIT = `query($id: ID) { auditTrail(entityId: $id, first: 100) { totalCount edges { node { id action entityId changes } } } }`;

async function receiver() {
  const bodies: WebhookBody[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(bodyOf({ body }));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("a network reads its members' buying side only", () => {
  it("never sees a member's selling side (draft offering, capacity book) nor a non-member buyer's quote and decline, by query, audit trail or webhook", async () => {
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const buyingMember = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const memberAdmin = await createKey(t, member, 'ADMIN');
    const buyingMemberAdmin = await createKey(t, buyingMember, 'ADMIN');
    const integration = await createKey(t, network, 'INTEGRATION');
    const networkAdmin = await createKey(t, network, 'ADMIN');
    const outsider = await buyer(t);
    const hook = await receiver();
    try {
      const created = ok(
        await t.gql(
          `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { message } } }`,
          {
            i: {
              url: hook.url,
              events: ['offering.*', 'capacity.*', 'quote.*', 'need.*', 'engagement.*'],
              secret: 'whsec-network-0123456789abcdef',
            },
          },
          networkAdmin,
        ),
      ).createWebhook;
      expect(created.userErrors).toEqual([]);

      // The member sells: a draft with its pricing, a capacity book, a quote to a buyer outside the network, declined with a reason.
      const draft = await createOffering(
        t,
        memberAdmin,
        { pricing: { currency: 'USD', unitPrice: '7.7777', setupFee: '0.00', monthlyMinimum: '0.00', tiers: [] } },
        false,
      );
      const published = await createOffering(t, memberAdmin);
      await setCapacity(t, memberAdmin, published, [nextMonth(1), nextMonth(2), nextMonth(3)], 12345);
      const outsiderNeed = await createNeed(t, outsider.key);
      const quoteId = await issueQuote(t, memberAdmin, { needId: outsiderNeed, offeringId: published });
      ok(
        await t.gql(
          `mutation($i: DeclineQuoteInput!) { declineQuote(input: $i) { userErrors { message } } }`,
          { i: { id: quoteId, reason: 'too expensive for us' } },
          outsider.key,
        ),
      );
      // Positive control: a member's need is the network's business.
      const memberNeed = await createNeed(t, buyingMemberAdmin, { notes: 'network business' });

      for (const key of [integration, networkAdmin]) {
        // (The network's own events, its organization, keys and webhook, are its own business.)
        const trail = ok(await t.gql(AUDIT, {}, key))
          .auditTrail.edges.map((e) => e.node)
          .filter((e) => /^(offering|capacity|quote|need|engagement)\./.test(e.action));
        expect(trail.map((e) => e.action)).toEqual(['need.created']);
        expect(trail[0]).toMatchObject({ entityId: memberNeed, changes: { after: { notes: 'network business' } } });
        expect(JSON.stringify(trail)).not.toMatch(/12345|7\.7777|too expensive/);
        for (const id of [draft, published, quoteId, outsiderNeed])
          expect(ok(await t.gql(AUDIT, { id }, key)).auditTrail).toEqual({ totalCount: 0, edges: [] });
        expect(
          ok(
            await t.gql(
              `query($id: ID!) { offering(id: $id) { id } quote(id: $q) { id } }`.replace(
                '$id: ID!)',
                '$id: ID!, $q: ID!)',
              ),
              { id: draft, q: quoteId },
              key,
            ),
          ),
        ).toEqual({ offering: null, quote: null });
      }
      // The member itself sees all of its own.
      const own = ok(await t.gql(AUDIT, {}, memberAdmin)).auditTrail.edges.map((e) => e.node.action);
      expect(own).toEqual(
        expect.arrayContaining(['offering.created', 'capacity.set', 'quote.issued', 'quote.declined']),
      );

      await waitFor('the member need delivery', async () =>
        hook.bodies.some((b) => b.entityId === memberNeed) ? true : undefined,
      );
      await sleep(500);
      expect(hook.bodies.map((b) => `${b.type} ${b.entityId}`)).toEqual([`need.created ${memberNeed}`]);
    } finally {
      await hook.close();
    }
  });
});

describe('refusals tell the caller only what it may read', () => {
  it("a buyer refused for the provider's engagement limit learns that the provider has no room, not its phase or caps", async () => {
    const p = await provider(t);
    const set = ok(
      await t.gql(`mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { message } } }`, {
        i: { providerId: p.id, phases: [{ name: 'SECRET_PILOT', maxExternalShare: 0.5, maxActiveEngagements: 1 }] },
      }),
    );
    expect(set.setPhasePolicy.userErrors).toEqual([]);
    const offeringId = await createOffering(t, p.key);
    const months = [nextMonth(1), nextMonth(2), nextMonth(3)];
    await setCapacity(t, p.key, offeringId, months, 1000);
    const b1 = await buyer(t);
    const b2 = await buyer(t);
    const q1 = await issueQuote(t, p.key, { needId: await createNeed(t, b1.key), offeringId });
    const q2 = await issueQuote(t, p.key, { needId: await createNeed(t, b2.key), offeringId });
    const q3 = await issueQuote(t, p.key, { needId: await createNeed(t, b2.key), offeringId }); // issued while a slot is free
    expect(ok(await t.gql(ACCEPT, { i: { quoteId: q1 } }, b1.key)).acceptQuote.userErrors).toEqual([]);
    const refused = ok(await t.gql(ACCEPT, { i: { quoteId: q2 } }, b2.key)).acceptQuote;
    expect(refused.userErrors).toHaveLength(1);
    const [e] = refused.userErrors;
    expect(e.code).toBe('PHASE_LIMIT_REACHED');
    expect(e.message).toMatch(/no room/i);
    expect(e.message).not.toMatch(/SECRET_PILOT|PILOT|\b1\b|allows|engagements/);
    // Positive control: the provider itself (here the operator acting) is told the details.
    const detailed = ok(await t.gql(ACCEPT, { i: { quoteId: q3 } })).acceptQuote.userErrors;
    expect(detailed[0].message).toMatch(/SECRET_PILOT, which allows 1 active engagements/);
    // The buyer cannot read the policy either.
    expect(
      ok(
        await t.gql(
          `query($id: ID!) { organization(id: $id) { phasePolicy { currentPhase { name } } } }`,
          { id: p.id },
          b2.key,
        ),
      ).organization!.phasePolicy,
    ).toBeNull();
  });
});

describe('revocation', () => {
  it('a revoked key stops working at once on the instance that revoked it', async () => {
    const org = await createOrg(t);
    const admin = await createKey(t, org, 'ADMIN');
    const created = ok(
      await t.gql(
        `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret } }`,
        { i: { organizationId: org, role: 'SALES', label: 'to revoke' } },
        admin,
      ),
    ).createApiKey;
    // Positive control, and the key is now in this instance's cache.
    expect(ok(await t.gql(`{ viewer { role } }`, {}, created.secret)).viewer.role).toBe('SALES');
    const r = ok(
      await t.gql(
        `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { revokedAt } userErrors { message } } }`,
        { i: { id: created.apiKey!.id } },
        admin,
      ),
    ).revokeApiKey;
    expect(r.userErrors).toEqual([]);
    const after = await t.gql(`{ viewer { role } }`, {}, created.secret);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
  });
});

describe('the audit trail reads API key and webhook events as the objects are read', () => {
  it('their entries are for the organization’s ADMIN (keys) and ADMIN/INTEGRATION (webhooks) keys: not its SALES keys, not its network', async () => {
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const admin = await createKey(t, member, 'ADMIN'); // apiKey.created for each key below
    const sales = await createKey(t, member, 'SALES');
    const integration = await createKey(t, member, 'INTEGRATION');
    const networkAdmin = await createKey(t, network, 'ADMIN');
    const webhookId = ok(
      await t.gql(
        `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }`,
        { i: { url: 'https://hooks.example.org/exchange', events: ['need.created'] } },
        admin,
      ),
    ).createWebhook.webhook!.id;
    await createNeed(t, admin); // an event every one of these keys reads (positive control)
    /** How many entries of each action a key reads. */
    const actions = async (key: string) => {
      const counts: Record<string, number> = {};
      for (const e of ok(await t.gql(AUDIT, {}, key)).auditTrail.edges)
        counts[e.node.action] = (counts[e.node.action] ?? 0) + 1;
      return counts;
    };
    const read = {
      admin: await actions(admin),
      integration: await actions(integration),
      sales: await actions(sales),
      network: await actions(networkAdmin),
    };
    const pick = (c: Record<string, number>) => [c['need.created'], c['apiKey.created'], c['webhook.created']];
    expect(pick(read.admin)).toEqual([1, 3, 1]); // the member's three keys and its webhook
    expect(pick(read.integration)).toEqual([1, undefined, 1]);
    expect(pick(read.sales)).toEqual([1, undefined, undefined]);
    expect(pick(read.network)).toEqual([1, 1, undefined]); // its member's need; only its own key
    expect(ok(await t.gql(AUDIT, { id: webhookId }, sales)).auditTrail).toEqual({ totalCount: 0, edges: [] });
  });
});

describe('revokeApiKey reads as apiKeys does', () => {
  it("a member's key revoked by its network's ADMIN key answers as an unknown id does (it was FORBIDDEN); the member's ADMIN revokes it", async () => {
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const memberAdmin = await createKey(t, member, 'ADMIN');
    const REVOKE = `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { revokedAt } userErrors { code } } }`;
    const keyId = ok(
      await t.gql(
        `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } } }`,
        { i: { organizationId: member, role: 'SALES', label: 'member key' } },
        memberAdmin,
      ),
    ).createApiKey.apiKey!.id;
    const answer = async (id: string, key: string) => {
      const r = await t.gql(REVOKE, { i: { id } }, key);
      return [r.status, r.errors?.map((e) => [e.message, e.extensions?.code])];
    };
    const networkAdmin = await createKey(t, network, 'ADMIN');
    const unknownId = '00000000-0000-4000-8000-00000000abcd';
    expect(await answer(keyId, networkAdmin)).toEqual(await answer(unknownId, networkAdmin));
    expect(await answer(unknownId, networkAdmin)).toEqual([200, [['API key not found.', 'NOT_FOUND']]]);
    expect(ok(await t.gql(REVOKE, { i: { id: keyId } }, memberAdmin)).revokeApiKey.apiKey!.revokedAt).toBeTruthy();
  });
});

describe('apiKeys(organizationId)', () => {
  const KEYS = `query($id: ID) { apiKeys(organizationId: $id, first: 50) { totalCount edges { node { id label role createdAt lastUsedAt revokedAt } } } }`;

  it("lists an organization's keys to its ADMIN and the operator, never their secrets; others get what a random id gets", async () => {
    const org = await createOrg(t);
    const admin = await createKey(t, org, 'ADMIN');
    const sales = await createKey(t, org, 'SALES');
    ok(await t.gql(`{ viewer { role } }`, {}, sales)); // used once
    const other = await provider(t);
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const memberKey = await createKey(t, member, 'ADMIN');
    const integration = await createKey(t, network, 'INTEGRATION');

    // Last use is written in the background.
    await waitFor('the last use', async () =>
      ok(await t.gql(KEYS, { id: org })).apiKeys.edges.some((e) => e.node.role === 'SALES' && e.node.lastUsedAt)
        ? true
        : undefined,
    );
    for (const key of [admin, undefined]) {
      const r = await t.gql(KEYS, { id: org }, key);
      const list = ok(r).apiKeys;
      expect(list.totalCount).toBe(2);
      expect(list.edges.map((e) => e.node.role).sort()).toEqual(['ADMIN', 'SALES']);
      const salesKey = list.edges.find((e) => e.node.role === 'SALES')!.node;
      expect(salesKey).toMatchObject({ label: 'sales key', revokedAt: null });
      expect(new Date(salesKey.lastUsedAt!).getTime()).toBeLessThanOrEqual(Date.now());
      expect(JSON.stringify(r)).not.toContain(sales.slice(8));
    }
    // Not the SALES key of the organization, another organization's ADMIN, nor a network for its member.
    for (const [key, id] of [
      [sales, org],
      [other.key, org],
      [integration, member],
      [memberKey, org],
    ] as const) {
      const mine = await t.gql(KEYS, { id }, key);
      const random = await t.gql(KEYS, { id: randomUUID() }, key);
      expect({ data: mine.data, errors: mine.errors?.map((e) => e.extensions?.code) }).toEqual({
        data: random.data,
        errors: random.errors?.map((e) => e.extensions?.code),
      });
      expect(mine.data?.apiKeys?.totalCount ?? 0).toBe(0);
    }
    // The schema has no field for the secret or its hash.
    const type = ok(
      await t.gql<{ __type: { fields: { name: string }[] } }>(`{ __type(name: "ApiKey") { fields { name } } }`),
    ).__type.fields.map((f) => f.name);
    expect(type.filter((n) => /secret(?!Prefix)|hash/i.test(n))).toEqual([]);
  });
});

describe("authorization comes before any lock on another organization's rows", () => {
  /** Holds row locks in a transaction of its own until `release`. */
  async function holdLock(sql: string, params: unknown[]) {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    await c.query('begin');
    await c.query(sql, params);
    return async () => {
      await c.query('commit');
      await c.end();
    };
  }
  /** Resolves with the response, or 'blocked' when it has not answered within `ms`. */
  const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, sleep(ms).then(() => 'blocked' as const)]);

  it('refuses outsiders at once while the provider row and the need are locked; the parties wait for the locks (control)', async () => {
    const p = await provider(t);
    const competitor = await provider(t);
    const b = await buyer(t);
    const months = [nextMonth(1), nextMonth(2), nextMonth(3)];
    const offeringId = await createOffering(t, p.key);
    await setCapacity(t, p.key, offeringId, months, 1000);
    const needId = await createNeed(t, b.key);
    const quoteId = await issueQuote(t, p.key, { needId, offeringId });
    const otherNeed = await createNeed(t, b.key);

    const release = await holdLock(`select 1 from organization where id = $1 for update; `.trim(), [p.id]);
    const releaseNeed = await holdLock(`select 1 from need where id = any($1::uuid[]) for update`, [
      [needId, otherNeed],
    ]);
    try {
      const outsiders: [string, Promise<GqlResult>][] = [
        [
          'setCapacity',
          t.gql(
            `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code } } }`,
            { i: { offeringId, months: [{ month: months[0], totalUnits: 5 }] } },
            competitor.key,
          ),
        ],
        [
          'setPhasePolicy',
          t.gql(
            `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`,
            { i: { providerId: p.id, phases: [{ name: 'ONLY', maxExternalShare: 0.1, maxActiveEngagements: 1 }] } },
            competitor.key,
          ),
        ],
        [
          'advanceProviderPhase',
          t.gql(
            `mutation($i: AdvanceProviderPhaseInput!) { advanceProviderPhase(input: $i) { userErrors { code } } }`,
            { i: { providerId: p.id } },
            competitor.key,
          ),
        ],
        ['acceptQuote (competitor)', t.gql(ACCEPT, { i: { quoteId } }, competitor.key)],
        ['acceptQuote (the quoting provider)', t.gql(ACCEPT, { i: { quoteId } }, p.key)],
        [
          'issueQuote (a buyer with the provider offering)',
          t.gql(
            `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { userErrors { code } } }`,
            { i: { needId: otherNeed, offeringId, validDays: 3 } },
            b.key,
          ),
        ],
        [
          'reviseQuote (the buyer)',
          t.gql(
            `mutation($i: ReviseQuoteInput!) { reviseQuote(input: $i) { userErrors { code } } }`,
            { i: { quoteId, validDays: 3 } },
            b.key,
          ),
        ],
      ];
      for (const [name, call] of outsiders) {
        const r = await within(call, 1500);
        expect([name, r === 'blocked' ? 'blocked' : errorCode(r)]).toEqual([
          name,
          expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/),
        ]);
      }
      // Control: the provider's own call waits for the lock.
      const own = t.gql(
        `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code } } }`,
        { i: { offeringId, months: [{ month: months[0], totalUnits: 2000 }] } },
        p.key,
      );
      expect(await within(own, 500)).toBe('blocked');
      await release();
      expect(ok(await own).setCapacity.userErrors).toEqual([]);
    } finally {
      await releaseNeed();
      await release().catch(() => {});
    }
  });
});
