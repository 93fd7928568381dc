// Offerings: creation, validation (nothing written on bad input), filters, lifecycle, exact money.
import { type Answer, type AuditChanges, errorCode, ok, startTestApi, type TestApi } from './support/api';
import type { Region } from './support/schema-types';
import { createOffering, offeringInput, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const CREATE = `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id pricing { unitPrice setupFee tiers { fromUnits unitPrice } } } userErrors { code field message } } }`;
const counts = async () =>
  (
    await t.sql(
      `select (select count(*) from offering)::int as offerings, (select count(*) from audit_event)::int as events`,
    )
  )[0];

describe('createOffering validation: clear error, nothing written', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a negative price', { pricing: { currency: 'USD', unitPrice: '-1.00' } }, 'BAD_USER_INPUT'],
    ['a price as a number', { pricing: { currency: 'USD', unitPrice: 4.5 } }, 'BAD_USER_INPUT'],
    ['a price with 5 decimals', { pricing: { currency: 'USD', unitPrice: '0.00001' } }, 'BAD_USER_INPUT'],
    ['an empty title', { title: '' }, 'BAD_USER_INPUT'],
    ['a blank title', { title: '   ' }, 'VALIDATION'],
    ['a 10,000-character description', { description: 'x'.repeat(10_000) }, 'BAD_USER_INPUT'],
    ['a 10,000-character title', { title: 'x'.repeat(10_000) }, 'BAD_USER_INPUT'],
    ['an unknown category', { categoryCode: 'ASTROLOGY' }, 'VALIDATION'],
    ['an unknown EHR platform', { ehrPlatformCodes: ['EPIC', 'NOPE'] }, 'VALIDATION'],
    ['an unknown region', { regionCodes: ['US-XX'] }, 'VALIDATION'],
    ['an unknown language', { languages: ['qq'] }, 'VALIDATION'],
    ['no EHR platform', { ehrPlatformCodes: [] }, 'BAD_USER_INPUT'],
    ['an unknown input field', { colour: 'blue' }, 'BAD_USER_INPUT'],
    [
      'descending tiers',
      {
        pricing: {
          currency: 'USD',
          unitPrice: '5.00',
          tiers: [
            { fromUnits: 100, unitPrice: '4.00' },
            { fromUnits: 50, unitPrice: '3.00' },
          ],
        },
      },
      'VALIDATION',
    ],
    [
      'a setup fee with 3 decimals',
      { pricing: { currency: 'USD', unitPrice: '5.00', setupFee: '10.001' } },
      'VALIDATION',
    ],
  ];
  it.each(cases)('refuses %s', async (_name, overrides, expected) => {
    const p = await provider(t);
    const before = await counts();
    const r = await t.gql(CREATE, { i: offeringInput(overrides) }, p.key);
    if (expected === 'VALIDATION') {
      const errs = ok(r).createOffering.userErrors;
      expect(errs[0]).toMatchObject({ code: 'VALIDATION', field: expect.stringMatching(/^input\./) });
      expect(ok(r).createOffering.offering).toBeNull();
    } else {
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0].message.length).toBeGreaterThan(10);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('offerings', () => {
  it('stores money exactly and returns decimal strings', async () => {
    const p = await provider(t);
    const r = ok(
      await t.gql(
        CREATE,
        {
          i: offeringInput({
            pricing: {
              currency: 'USD',
              unitPrice: '0.0350',
              setupFee: '2500.10',
              tiers: [{ fromUnits: 100000, unitPrice: '0.0275' }],
            },
          }),
        },
        p.key,
      ),
    );
    expect(r.createOffering.offering!.pricing).toEqual({
      unitPrice: '0.035',
      setupFee: '2500.10',
      tiers: [{ fromUnits: 100000, unitPrice: '0.0275' }],
    });
    const [row] = await t.sql('select unit_price::text, setup_fee::text from offering where id = $1', [
      r.createOffering.offering!.id,
    ]);
    expect(row).toEqual({ unit_price: '0.0350', setup_fee: '2500.10' });
  });

  it('moves DRAFT -> PUBLISHED -> PAUSED -> PUBLISHED and refuses other transitions', async () => {
    const p = await provider(t);
    const id = await createOffering(t, p.key, {}, false);
    const act = async (op: 'publishOffering' | 'pauseOffering') =>
      ok(
        await t.gql(
          `mutation($i: ${op[0].toUpperCase() + op.slice(1)}Input!) { ${op}(input: $i) { offering { status } userErrors { code field message } } }`,
          { i: { id } },
          p.key,
        ),
      )[op];
    expect((await act('pauseOffering')).userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await act('publishOffering')).offering!.status).toBe('PUBLISHED');
    expect((await act('publishOffering')).userErrors[0].code).toBe('INVALID_TRANSITION');
    expect((await act('pauseOffering')).offering!.status).toBe('PAUSED');
    expect((await act('publishOffering')).offering!.status).toBe('PUBLISHED');
  });

  it('matches a state filter with offerings serving its HHS region or the whole nation', async () => {
    const p = await provider(t, { stateCode: 'US-WY' });
    const cat = 'TELEHEALTH';
    const ohio = await createOffering(t, p.key, { categoryCode: cat, regionCodes: ['US-OH'] });
    const hhs5 = await createOffering(t, p.key, { categoryCode: cat, regionCodes: ['HHS-5'] });
    const nation = await createOffering(t, p.key, { categoryCode: cat, regionCodes: ['NATIONWIDE'] });
    const texas = await createOffering(t, p.key, { categoryCode: cat, regionCodes: ['US-TX', 'HHS-6'] });
    const ids = async (regionCode: string) =>
      ok(
        await t.gql(`query($f: OfferingFilter) { offerings(first: 100, filter: $f) { edges { node { id } } } }`, {
          f: { regionCode, providerId: p.id },
        }),
      )
        .offerings.edges.map((e) => e.node.id)
        .sort();
    expect(await ids('US-OH')).toEqual([ohio, hhs5, nation].sort());
    expect(await ids('US-IN')).toEqual([hhs5, nation].sort());
    expect(await ids('US-TX')).toEqual([nation, texas].sort());
    expect(await ids('HHS-5')).toEqual([ohio, hhs5, nation].sort());
  });

  it('filters by category, EHR platform and status', async () => {
    const p = await provider(t);
    const a = await createOffering(t, p.key, {
      categoryCode: 'MEDICAL_CODING',
      ehrPlatformCodes: ['EPIC', 'MEDITECH_EXPANSE'],
    });
    await createOffering(t, p.key, { categoryCode: 'MEDICAL_CODING', ehrPlatformCodes: ['ORACLE_HEALTH'] });
    await createOffering(t, p.key, { categoryCode: 'MEDICAL_CODING', ehrPlatformCodes: ['MEDITECH_EXPANSE'] }, false);
    const d = ok(
      await t.gql(
        `query($p: ID!) { offerings(filter: { providerId: $p, categoryCode: "MEDICAL_CODING", ehrPlatformCode: "MEDITECH_EXPANSE", status: PUBLISHED }) { edges { node { id ehrPlatforms { code } } } } }`,
        { p: p.id },
      ),
    );
    expect(d.offerings.edges.map((e) => e.node.id)).toEqual([a]);
  });

  it('updates an offering and records the change', async () => {
    const p = await provider(t);
    const id = await createOffering(t, p.key);
    const r = ok(
      await t.gql(
        `mutation($i: UpdateOfferingInput!) { updateOffering(input: $i) { offering { title languages } userErrors { code } } }`,
        { i: { id, title: 'Denials management', languages: ['en', 'es'] } },
        p.key,
      ),
    );
    expect(r.updateOffering.offering).toEqual({ title: 'Denials management', languages: ['en', 'es'] });
    const [ev] = await t.sql<{ changes: AuditChanges }>(
      `select changes from audit_event where entity_id = $1 and action = 'offering.updated'`,
      [id],
    );
    expect(ev.changes.after).toEqual({ title: 'Denials management', languages: ['en', 'es'] });
    expect(Object.keys(ev.changes.before!).sort()).toEqual(['languages', 'title']);
  });
});

describe('organizations', () => {
  it('filters by kind, state, EHR platform and name', async () => {
    const name = `Zephyr Valley Clinic ${Date.now()}`;
    ok(
      await t.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }`, {
        i: { name, kind: 'PRACTICE', stateCode: 'US-KS', ehrPlatformCode: 'ATHENAHEALTH' },
      }),
    );
    const d = ok(
      await t.gql(
        `{ organizations(filter: { kind: PRACTICE, stateCode: "US-KS", ehrPlatformCode: "ATHENAHEALTH", search: "zephyr valley" }) { totalCount edges { node { name hhsRegion ehrPlatform { code name } } } } }`,
      ),
    );
    expect(d.organizations.totalCount).toBe(1);
    expect(d.organizations.edges[0].node).toEqual({
      name,
      hhsRegion: 'HHS-7',
      ehrPlatform: { code: 'ATHENAHEALTH', name: 'athenaOne' },
    });
  });

  it('refuses a duplicate name and unknown codes with userErrors', async () => {
    const mk = (i: Record<string, unknown>) =>
      t.gql(
        `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code field } } }`,
        { i: { kind: 'HOSPITAL', stateCode: 'US-OH', ehrPlatformCode: 'EPIC', ...i } },
      );
    ok(await mk({ name: 'Twin Rivers Hospital' }));
    expect(ok(await mk({ name: 'twin rivers hospital' })).createOrganization.userErrors).toEqual([
      { code: 'CONFLICT', field: 'input.name' },
    ]);
    expect(
      ok(await mk({ name: 'Other', stateCode: 'HHS-5', ehrPlatformCode: 'FOO' })).createOrganization.userErrors,
    ).toEqual([
      { code: 'VALIDATION', field: 'input.stateCode' },
      { code: 'VALIDATION', field: 'input.ehrPlatformCode' },
    ]);
  });
});

describe('reference data', () => {
  it('lists EHR platforms, regions with their states, and categories', async () => {
    const d = ok(
      await t.gql<Answer & { hhs: Region[]; all: Region[] }>(
        `{ ehrPlatforms { code } hhs: regions(kind: HHS_REGION) { code states } all: regions { code } serviceCategories { code unit touchesPhi } }`,
      ),
    );
    expect(d.ehrPlatforms.map((e) => e.code)).toEqual(
      expect.arrayContaining(['EPIC', 'ORACLE_HEALTH', 'MEDITECH_EXPANSE', 'MEDITECH_LEGACY', 'TRUBRIDGE']),
    );
    expect(d.hhs).toHaveLength(10);
    expect(d.hhs.find((r) => r.code === 'HHS-5')!.states).toEqual([
      'US-IL',
      'US-IN',
      'US-MI',
      'US-MN',
      'US-OH',
      'US-WI',
    ]);
    expect(d.all).toHaveLength(52 + 10 + 1);
    expect(d.serviceCategories.find((c) => c.code === 'REVENUE_CYCLE')).toEqual({
      code: 'REVENUE_CYCLE',
      unit: 'claims',
      touchesPhi: true,
    });
    const [row] = await t.sql(`select count(*)::int as n from region`);
    expect(row.n).toBe(63);
  });
});
