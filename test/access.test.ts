// Given keys of different roles and organizations, when they read and write, then tenancy holds.
import { randomUUID } from 'node:crypto';
import { errorCode, gql, ok, startTestApi, type TestApi } from './support/api';
import { buyer, createKey, createNeed, createOffering, createOrg, offeringInput, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const OFFERING = `query($id: ID!) { offering(id: $id) { id title status } }`;
const CREATE_OFFERING = `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code field message } } }`;

describe('authentication', () => {
  it('refuses a request without a key as UNAUTHENTICATED', async () => {
    const r = await t.gql('{ offerings { totalCount } }', {}, null);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
    expect(r.data?.offerings ?? null).toBeNull();
  });

  it('refuses every anonymous operation as a whole, before any field runs (HTTP 401)', async () => {
    for (const query of [
      '{ __typename }',
      '{ serviceCategories { code } }',
      'mutation { __typename }',
      'mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } } }',
    ]) {
      const r = await t.gql(
        query,
        {
          i: {
            categoryCode: 'CODING',
            monthlyVolume: 1,
            startMonth: '2030-01',
            durationMonths: 1,
            ehrPlatformCode: 'EPIC',
            regionCode: 'US-OH',
          },
        },
        null,
      );
      expect([r.status, errorCode(r), r.data ?? null]).toEqual([401, 'UNAUTHENTICATED', null]);
    }
  });

  it('refuses an unknown key with HTTP 401', async () => {
    const r = await t.gql('{ viewer { role } }', {}, 'hsx_not-a-real-key');
    expect(r.status).toBe(401);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });

  it('tells a key who it is', async () => {
    const p = await provider(t);
    const d = ok(await t.gql('{ viewer { role apiKeyId organization { id } } }', {}, p.key));
    expect(d.viewer).toMatchObject({ role: 'ADMIN', organization: { id: p.id } });
  });

  it('stores only a hash of the secret and shows the secret once', async () => {
    const org = await createOrg(t);
    const r = ok(
      await t.gql(
        `mutation { createApiKey(input: { organizationId: "${org}", role: SALES, label: "crm" }) { apiKey { id secretPrefix } secret } }`,
      ),
    );
    const { secret, apiKey } = r.createApiKey;
    expect(secret).toMatch(/^hsx_[A-Za-z0-9_-]{40,}$/);
    const [row] = await t.sql('select secret_hash from api_key where id = $1', [apiKey!.id]);
    expect(row.secret_hash).not.toContain(secret);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stops a revoked key within one second', async () => {
    const p = await provider(t);
    const second = await createKey(t, p.id, 'SALES');
    ok(await t.gql('{ viewer { role } }', {}, second));
    const { viewer } = ok(await t.gql('{ viewer { apiKeyId } }', {}, second));
    const rev = ok(
      await t.gql(
        `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { revokedAt } userErrors { code } } }`,
        { i: { id: viewer.apiKeyId } },
        p.key,
      ),
    );
    expect(rev.revokeApiKey.apiKey!.revokedAt).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1000));
    expect(errorCode(await t.gql('{ viewer { role } }', {}, second))).toBe('UNAUTHENTICATED');
  });
});

describe('tenancy', () => {
  it('lists only its own rows when a listing is narrowed to a status others cannot see, and every public row when narrowed to the public one', async () => {
    const a = await provider(t);
    const b = await provider(t);
    const draftA = await createOffering(t, a.key, {}, false);
    const draftB = await createOffering(t, b.key, {}, false);
    const publishedA = await createOffering(t, a.key);
    const list = async (key: string, status: string) =>
      ok(
        await t.gql(
          `query($s: OfferingStatus) { offerings(first: 100, filter: { status: $s }) { edges { node { id } } } }`,
          { s: status },
          key,
        ),
      ).offerings.edges.map((e: { node: { id: string } }) => e.node.id);
    const drafts = await list(b.key, 'DRAFT');
    expect(drafts).toContain(draftB);
    expect(drafts).not.toContain(draftA);
    expect(await list(b.key, 'PUBLISHED')).toContain(publishedA);

    const buyerA = await buyer(t);
    const buyerB = await buyer(t);
    const cancelled = await createNeed(t, buyerA.key);
    ok(
      await t.gql(
        `mutation($i: CancelNeedInput!) { cancelNeed(input: $i) { need { id } userErrors { code } } }`,
        { i: { id: cancelled } },
        buyerA.key,
      ),
    );
    const needs = async (key: string, status: string) =>
      ok(
        await t.gql(
          `query($s: NeedStatus) { needs(first: 100, filter: { status: $s }) { edges { node { id } } } }`,
          { s: status },
          key,
        ),
      ).needs.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(await needs(buyerA.key, 'CANCELLED')).toContain(cancelled);
    expect(await needs(buyerB.key, 'CANCELLED')).not.toContain(cancelled);
  });

  it("reads another organization's draft offering exactly like a random id", async () => {
    const a = await provider(t);
    const b = await provider(t);
    const draft = await createOffering(t, a.key, {}, false);
    const seenByOther = await t.gql(OFFERING, { id: draft }, b.key);
    const random = await t.gql(OFFERING, { id: randomUUID() }, b.key);
    expect({ status: seenByOther.status, data: seenByOther.data, errors: seenByOther.errors }).toEqual({
      status: random.status,
      data: random.data,
      errors: random.errors,
    });
    expect(seenByOther.data).toEqual({ offering: null });
    expect(ok(await t.gql(OFFERING, { id: draft }, a.key)).offering!.status).toBe('DRAFT');
    const list = ok(
      await t.gql(`query($p: ID!) { offerings(filter: { providerId: $p }) { totalCount } }`, { p: a.id }, b.key),
    );
    expect(list.offerings.totalCount).toBe(0);
    const nested = ok(
      await t.gql(`query($p: ID!) { organization(id: $p) { offerings { totalCount } } }`, { p: a.id }, b.key),
    );
    expect(nested.organization!.offerings.totalCount).toBe(0);
  });

  it('shows published offerings to any key', async () => {
    const a = await provider(t);
    const b = await provider(t);
    const id = await createOffering(t, a.key);
    expect(ok(await t.gql(OFFERING, { id }, b.key)).offering!.id).toBe(id);
  });

  it('refuses every write of a SALES key as FORBIDDEN and writes nothing', async () => {
    const p = await provider(t);
    const sales = await createKey(t, p.id, 'SALES');
    const before = await t.sql<{ n: number }>('select count(*)::int as n from offering');
    const r = await t.gql(CREATE_OFFERING, { i: offeringInput() }, sales);
    expect(errorCode(r)).toBe('FORBIDDEN');
    const id = await createOffering(t, p.key, {}, false);
    expect(
      errorCode(await t.gql(`mutation { publishOffering(input: { id: "${id}" }) { userErrors { code } } }`, {}, sales)),
    ).toBe('FORBIDDEN');
    expect(
      errorCode(
        await t.gql(
          `mutation { createApiKey(input: { organizationId: "${p.id}", role: ADMIN, label: "x" }) { secret } }`,
          {},
          sales,
        ),
      ),
    ).toBe('FORBIDDEN');
    const after = await t.sql<{ n: number }>('select count(*)::int as n from offering');
    expect(after[0].n).toBe(before[0].n + 1);
  });

  it('refuses acting for another organization as FORBIDDEN', async () => {
    const a = await provider(t);
    const b = await provider(t);
    const r = await t.gql(CREATE_OFFERING, { i: offeringInput({ providerId: b.id }) }, a.key);
    expect(errorCode(r)).toBe('FORBIDDEN');
    const up = await t.gql(
      `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id } } }`,
      { i: { id: b.id, name: 'Hijacked' } },
      a.key,
    );
    expect(errorCode(up)).toBe('FORBIDDEN');
    expect(
      errorCode(
        await t.gql(
          `mutation { createApiKey(input: { organizationId: "${b.id}", role: ADMIN, label: "x" }) { secret } }`,
          {},
          a.key,
        ),
      ),
    ).toBe('FORBIDDEN');
  });

  it("cannot change another provider's published offering: NOT_FOUND for drafts, FORBIDDEN for public ones", async () => {
    const a = await provider(t);
    const b = await provider(t);
    const pub = await createOffering(t, a.key);
    const draft = await createOffering(t, a.key, {}, false);
    const upd = (id: string) =>
      t.gql(
        `mutation($i: UpdateOfferingInput!) { updateOffering(input: $i) { offering { id } } }`,
        { i: { id, title: 'Mine now' } },
        b.key,
      );
    expect(errorCode(await upd(pub))).toBe('FORBIDDEN');
    expect(errorCode(await upd(draft))).toBe('NOT_FOUND');
  });

  it('only the operator creates organizations and OPERATOR keys', async () => {
    const p = await provider(t);
    const r = await t.gql(
      `mutation { createOrganization(input: { name: "X", kind: HOSPITAL, stateCode: "US-OH", ehrPlatformCode: "EPIC" }) { organization { id } } }`,
      {},
      p.key,
    );
    expect(errorCode(r)).toBe('FORBIDDEN');
    expect(
      errorCode(await t.gql(`mutation { createApiKey(input: { role: OPERATOR, label: "x" }) { secret } }`, {}, p.key)),
    ).toBe('FORBIDDEN');
  });

  it('lets an INTEGRATION key read its network members and refuses seller writes', async () => {
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const key = await createKey(t, network, 'INTEGRATION');
    const d = ok(
      await t.gql(
        `query($id: ID!) { organization(id: $id) { members { totalCount edges { node { id network { id } } } } } }`,
        { id: network },
        key,
      ),
    );
    expect(d.organization!.members.edges.map((e) => e.node.id)).toEqual([member]);
    expect(errorCode(await t.gql(CREATE_OFFERING, { i: offeringInput({ providerId: member }) }, key))).toBe(
      'FORBIDDEN',
    );
  });

  it('keeps audit trails to their parties', async () => {
    const a = await provider(t);
    const b = await provider(t);
    const id = await createOffering(t, a.key);
    const own = ok(
      await t.gql(
        `query($id: ID!) { auditTrail(entityId: $id) { totalCount edges { node { action } } } }`,
        { id },
        a.key,
      ),
    );
    expect(own.auditTrail.edges.map((e) => e.node.action)).toEqual(['offering.published', 'offering.created']);
    const other = ok(await t.gql(`query($id: ID!) { auditTrail(entityId: $id) { totalCount } }`, { id }, b.key));
    expect(other.auditTrail.totalCount).toBe(0);
  });
});

describe('GraphQL over HTTP', () => {
  it('accepts GET for queries and refuses mutations over GET', async () => {
    const q = encodeURIComponent('{ serviceCategories { code } }');
    const r = await fetch(`${t.url}?query=${q}`, {
      headers: { authorization: `Bearer ${(await provider(t)).key}`, 'apollo-require-preflight': 'true' },
    });
    expect(r.status).toBe(200);
    const m = encodeURIComponent('mutation { publishOffering(input: { id: "x" }) { userErrors { code } } }');
    const r2 = await fetch(`${t.url}?query=${m}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(r2.status).toBe(405);
  });

  it('marks authenticated responses private, no-store', async () => {
    const r = await t.gql('{ ehrPlatforms { code } }');
    expect(r.headers.get('cache-control')).toBe('private, no-store');
  });

  it('pages with first/after up to 100 and refuses more', async () => {
    const p = await provider(t);
    for (let i = 0; i < 3; i++) await createOffering(t, p.key);
    const page1 = ok(
      await t.gql(
        `query($p: ID!) { offerings(first: 2, filter: { providerId: $p }) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
        { p: p.id },
      ),
    );
    expect(page1.offerings.totalCount).toBe(3);
    expect(page1.offerings.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(
      await t.gql(
        `query($p: ID!, $a: String) { offerings(first: 2, after: $a, filter: { providerId: $p }) { pageInfo { hasNextPage } edges { node { id } } } }`,
        { p: p.id, a: page1.offerings.pageInfo.endCursor },
      ),
    );
    expect(page2.offerings.edges).toHaveLength(1);
    expect(page2.offerings.pageInfo.hasNextPage).toBe(false);
    expect(errorCode(await t.gql('{ offerings(first: 101) { totalCount } }'))).toBe('BAD_USER_INPUT');
  });

  it('answers a request id header', async () => {
    const r = await gql(t.url, '{ __typename }');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('a network INTEGRATION key acts as buyer for its members, not as their seller', () => {
  it("sees a member's buyer side but not its selling side", async () => {
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const memberAdmin = await createKey(t, member, 'ADMIN');
    const integration = await createKey(t, network, 'INTEGRATION');
    const draft = await createOffering(t, memberAdmin, {}, false);
    const published = await createOffering(t, memberAdmin);
    const month = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1))
      .toISOString()
      .slice(0, 7);
    ok(
      await t.gql(
        `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code } } }`,
        { i: { offeringId: published, months: [{ month, totalUnits: 100 }] } },
        memberAdmin,
      ),
    );
    const ownView = await t.gql(OFFERING, { id: draft }, integration);
    const randomView = await t.gql(OFFERING, { id: randomUUID() }, integration);
    expect({ data: ownView.data, errors: ownView.errors }).toEqual({
      data: randomView.data,
      errors: randomView.errors,
    });
    const cap = ok(
      await t.gql(
        `query($id: ID!) { offering(id: $id) { capacity(from: "${month}", to: "${month}") { totalUnits availableUnits } } }`,
        { id: published },
        integration,
      ),
    );
    expect(cap.offering!.capacity).toEqual([{ totalUnits: null, availableUnits: 10 }]);
    const policy = ok(
      await t.gql(
        `query($id: ID!) { organization(id: $id) { phasePolicy { currentPhase { name } } } }`,
        { id: member },
        integration,
      ),
    );
    expect(policy.organization!.phasePolicy).toBeNull();
    const need = ok(
      await t.gql(
        `mutation { createNeed(input: { buyerId: "${member}", categoryCode: "TELEHEALTH", monthlyVolume: 5, startMonth: "${month}", durationMonths: 1, ehrPlatformCode: "EPIC", regionCode: "US-OH", maxUnitPrice: "9.00" }) { need { id maxUnitPrice } userErrors { code } } }`,
        {},
        integration,
      ),
    );
    expect(need.createNeed.need!.maxUnitPrice).toBe('9.00');
  });
});
