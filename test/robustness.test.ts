// Robustness: malformed but valid-shaped requests are client errors, never a 500.
import { errorCode, type GqlResult, gql, ok, startTestApi, type TestApi } from './support/api';
import {
  buyer,
  createNeed,
  createOffering,
  ISSUE,
  needInput,
  nextMonth,
  offeringInput,
  provider,
  setCapacity,
} from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

describe('operationName', () => {
  const twoOps = `query A { viewer { role } } query B { ehrPlatforms { code } }`;

  it('a document with several operations and no operationName is BAD_USER_INPUT, not a 500', async () => {
    for (let i = 0; i < 3; i++) {
      // several runs: the compiled-query path starts at the second run of a document
      const r = await t.gql(twoOps);
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
    }
  });

  it('an unknown operationName is BAD_USER_INPUT, not a 500', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${(await import('./support/api')).OPERATOR_KEY}`,
        },
        body: JSON.stringify({ query: twoOps, operationName: 'C' }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(res.status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('without a key it is still UNAUTHENTICATED', async () => {
    const r = await gql(t.url, twoOps, {}, null);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });

  it('positive control: naming an operation runs it', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${(await import('./support/api')).OPERATOR_KEY}`,
        },
        body: JSON.stringify({ query: twoOps, operationName: 'B' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { ehrPlatforms: unknown[] } };
      expect(body.data.ehrPlatforms.length).toBeGreaterThan(0);
    }
    expect(ok(await t.gql(`{ viewer { role } }`)).viewer.role).toBe('OPERATOR');
  });
});

describe('money bounds (API.md: unit prices <= 999999.9999, fees <= 99999999.99, totals <= 9999999999.99)', () => {
  const CREATE_OFFERING = `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id pricing { unitPrice setupFee monthlyMinimum } } userErrors { code field message } } }`;
  const CREATE_NEED = `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id maxUnitPrice } userErrors { code field message } } }`;
  const refusedAsInput = (r: GqlResult, payload: 'createOffering' | 'createNeed') => {
    expect(r.status).toBeLessThan(500);
    const code = errorCode(r);
    if (code) expect(code).toBe('BAD_USER_INPUT');
    else expect(r.data![payload].userErrors.map((e) => e.code)).toContain('VALIDATION');
  };

  it('unit prices, tier prices, setup fees and monthly minimums above their bounds are refused; the bounds themselves are accepted', async () => {
    const p = await provider(t);
    for (const pricing of [
      { unitPrice: '12345678901' },
      { unitPrice: '1000000' },
      { unitPrice: '5.00', tiers: [{ fromUnits: 10, unitPrice: '1000000.0000' }] },
      { unitPrice: '5.00', setupFee: '100000000.00' },
      { unitPrice: '5.00', monthlyMinimum: '999999999999' },
    ]) {
      const r = await t.gql(CREATE_OFFERING, { i: offeringInput({ pricing: { currency: 'USD', ...pricing } }) }, p.key);
      refusedAsInput(r, 'createOffering');
    }
    const r = await t.gql(
      CREATE_OFFERING,
      {
        i: offeringInput({
          pricing: {
            currency: 'USD',
            unitPrice: '999999.9999',
            setupFee: '99999999.99',
            monthlyMinimum: '99999999.99',
            tiers: [{ fromUnits: 10, unitPrice: '999999.9999' }],
          },
        }),
      },
      p.key,
    );
    expect(ok(r).createOffering.userErrors).toEqual([]);
    expect(ok(r).createOffering.offering!.pricing).toEqual({
      unitPrice: '999999.9999',
      setupFee: '99999999.99',
      monthlyMinimum: '99999999.99',
    });
  });

  it("a need's maxUnitPrice above 999999.9999 is refused, at the bound accepted; matchOffers too", async () => {
    const b = await buyer(t);
    refusedAsInput(await t.gql(CREATE_NEED, { i: needInput({ maxUnitPrice: '123456789012' }) }, b.key), 'createNeed');
    const okNeed = ok(await t.gql(CREATE_NEED, { i: needInput({ maxUnitPrice: '999999.9999' }) }, b.key)).createNeed;
    expect(okNeed.userErrors).toEqual([]);
    const m = await t.gql(
      `query($i: MatchInput!) { matchOffers(input: $i) { score } }`,
      {
        i: {
          categoryCode: 'REVENUE_CYCLE',
          monthlyVolume: 10,
          startMonth: nextMonth(1),
          durationMonths: 2,
          maxUnitPrice: '123456789012',
        },
      },
      b.key,
    );
    expect(m.status).toBeLessThan(500);
    expect(errorCode(m)).toBe('BAD_USER_INPUT');
  });

  it('a quote whose total would exceed 9999999999.99 is refused as VALIDATION; a smaller one is issued', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, {
      pricing: { currency: 'USD', unitPrice: '999999.9999', setupFee: '0.00', monthlyMinimum: '0.00', tiers: [] },
    });
    const months = Array.from({ length: 60 }, (_, i) => nextMonth(1 + i));
    await setCapacity(t, p.key, offeringId, months, 10_000_000);
    const b = await buyer(t);
    const big = await createNeed(t, b.key, { monthlyVolume: 1_000_000, durationMonths: 60 }); // 6e13: fits the column, not the contract
    const r = await t.gql(ISSUE, { i: { needId: big, offeringId, validDays: 7 } }, p.key);
    expect(r.status).toBe(200);
    expect(ok(r).issueQuote.userErrors.map((e: { code: string }) => e.code)).toEqual(['VALIDATION']);
    const small = await createNeed(t, b.key, { monthlyVolume: 10, durationMonths: 2 });
    const s = ok(await t.gql(ISSUE, { i: { needId: small, offeringId, validDays: 7 } }, p.key)).issueQuote;
    expect(s.userErrors).toEqual([]);
    expect(s.quote!.total).toBe('20000000.00'); // 2 months of 10 x 999999.9999, each rounded to cents
  });

  it('discountPercent is priced at the precision it is stored at: more than 2 decimals is refused, 2 decimals priced exactly', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, {
      pricing: { currency: 'USD', unitPrice: '5.25', setupFee: '0.00', monthlyMinimum: '0.00', tiers: [] },
    });
    await setCapacity(t, p.key, offeringId, [nextMonth(1), nextMonth(2), nextMonth(3)], 1000);
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { monthlyVolume: 100, durationMonths: 3 });
    const r = ok(
      await t.gql(ISSUE, { i: { needId, offeringId, validDays: 7, discountPercent: 33.335 } }, p.key),
    ).issueQuote;
    expect(r.userErrors.map((e) => [e.code, e.field])).toEqual([['VALIDATION', 'input.discountPercent']]);
    const q = ok(
      await t.gql(ISSUE, { i: { needId, offeringId, validDays: 7, discountPercent: 33.34 } }, p.key),
    ).issueQuote;
    expect(q.userErrors).toEqual([]);
    expect(q.quote!.schedule[0].unitPrice).toBe('3.4997'); // 5.25 x 0.6666 = 3.49965 -> 3.4997
  });
});

describe('bounded statements', () => {
  it('capacityOverview returns at most `first` offerings (default and maximum 100), by title', async () => {
    const p = await provider(t);
    for (let i = 0; i < 3; i++) await createOffering(t, p.key);
    const q = (first: string) =>
      t.gql(
        `{ capacityOverview(providerId: "${p.id}", from: "${nextMonth(1)}", to: "${nextMonth(2)}"${first}) { offering { id } months { month } } }`,
        {},
        p.key,
      );
    expect(ok(await q('')).capacityOverview).toHaveLength(3);
    expect(ok(await q(', first: 2')).capacityOverview).toHaveLength(2);
    expect(errorCode(await q(', first: 101'))).toBe('BAD_USER_INPUT');
  });

  it('Need.quotes uses one statement text whatever the viewing organization (was one per organization, prepared on every pooled connection)', async () => {
    const { preparedTextCount } = await import('../src/db/prepared');
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { monthlyVolume: 10, durationMonths: 1 });
    const providers = [];
    for (let i = 0; i < 4; i++) {
      const p = await provider(t);
      const offeringId = await createOffering(t, p.key);
      await setCapacity(t, p.key, offeringId, [nextMonth(1)], 1000);
      ok(await t.gql(ISSUE, { i: { needId, offeringId, validDays: 7 } }, p.key));
      providers.push(p);
    }
    const read = async (key: string) =>
      ok(await t.gql(`{ need(id: "${needId}") { quotes(first: 5) { totalCount edges { node { id } } } } }`, {}, key))
        .need!.quotes;
    expect((await read(providers[0].key)).totalCount).toBe(1);
    expect((await read(b.key)).totalCount).toBe(4); // positive control: the buyer sees every quote
    const texts = preparedTextCount();
    for (const p of providers.slice(1)) expect((await read(p.key)).totalCount).toBe(1);
    expect(preparedTextCount()).toBe(texts);
  });
});

describe('found by the fuzz test', () => {
  it('an empty networkId is a wrong id (VALIDATION), not "no network" and not a 500; null leaves the network', async () => {
    const CREATE = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id network { id } } userErrors { code field } } }`;
    const input = {
      name: `Empty network ${Date.now()}`,
      kind: 'HOSPITAL' as const,
      stateCode: 'US-OH',
      ehrPlatformCode: 'EPIC',
    };
    expect(ok(await t.gql(CREATE, { i: { ...input, networkId: '' } })).createOrganization).toEqual({
      organization: null,
      userErrors: [{ code: 'VALIDATION', field: 'input.networkId' }],
    });
    const created = ok(await t.gql(CREATE, { i: { ...input, networkId: null } })).createOrganization;
    expect(created.userErrors).toEqual([]);
    const UPDATE = `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { network { id } } userErrors { code field } } }`;
    expect(ok(await t.gql(UPDATE, { i: { id: created.organization!.id, networkId: '' } })).updateOrganization).toEqual({
      organization: null,
      userErrors: [{ code: 'VALIDATION', field: 'input.networkId' }],
    });
    expect(
      ok(await t.gql(UPDATE, { i: { id: created.organization!.id, networkId: null } })).updateOrganization,
    ).toEqual({ organization: { network: null }, userErrors: [] });
  });

  it('a month in year 0000 is BAD_USER_INPUT (it was a 500: PostgreSQL has no year 0); years 1000-9999 answer', async () => {
    const p = await provider(t);
    const zero = await t.gql(`{ pipeline(from: "0000-01", to: "0000-01") { providerId } }`, {}, p.key);
    expect(zero.status).toBe(400);
    expect(errorCode(zero)).toBe('BAD_USER_INPUT');
    for (const m of ['1000-01', '9999-12'])
      expect(
        ok(await t.gql(`{ pipeline(from: "${m}", to: "${m}") { providerId } }`, {}, p.key)).pipeline.providerId,
      ).toBe(p.id);
  });

  it('a NUL character (U+0000) in any string, variable or literal, is BAD_USER_INPUT naming where, and writes nothing (it was a 500: PostgreSQL text cannot hold it)', async () => {
    const CREATE = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code } } }`;
    const name = `NUL test ${Date.now()}`;
    const input = { name: `${name}\u0000`, kind: 'HOSPITAL' as const, stateCode: 'US-OH', ehrPlatformCode: 'EPIC' };
    const inVariable = await t.gql(CREATE, { i: input });
    expect(inVariable.status).toBe(400);
    expect(inVariable.errors).toEqual([
      { message: 'Text may not contain the NUL character (U+0000): $i.name.', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    const nested = await t.gql(
      `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code } } }`,
      { i: needInput({ languages: ['en', 'x\u0000'] }) },
      (await buyer(t)).key,
    );
    expect(nested.errors?.[0]?.message).toBe('Text may not contain the NUL character (U+0000): $i.languages[1].');
    const inLiteral = await t.gql(`{ offering(id: "a\\u0000") { id } }`);
    expect(inLiteral.status).toBe(400);
    expect(errorCode(inLiteral)).toBe('BAD_USER_INPUT');
    // An idempotency key too (where the fuzz test found it, in issueQuote).
    const keyed = await t.gql(CREATE, { i: { ...input, name, idempotencyKey: '\u0000' } });
    expect(errorCode(keyed)).toBe('BAD_USER_INPUT');
    expect(await t.sql(`select id from organization where name like $1`, [`${name}%`])).toEqual([]);
    // Positive control: the same input without it is created.
    expect(ok(await t.gql(CREATE, { i: { ...input, name } })).createOrganization.userErrors).toEqual([]);
  });

  it('an empty code is an unknown code (VALIDATION), not a 500', async () => {
    const b = await buyer(t);
    for (const field of ['categoryCode', 'ehrPlatformCode', 'regionCode']) {
      const r = await t.gql(
        `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code field } } }`,
        { i: needInput({ [field]: '' }) },
        b.key,
      );
      expect(r.status).toBe(200);
      expect(ok(r).createNeed.userErrors).toEqual([{ code: 'VALIDATION', field: `input.${field}` }]);
    }
    const p = await provider(t);
    const r = await t.gql(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code field } } }`,
      { i: offeringInput({ categoryCode: '' }) },
      p.key,
    );
    expect(ok(r).createOffering.userErrors).toEqual([{ code: 'VALIDATION', field: 'input.categoryCode' }]);
  });

  it('null for a field an update cannot clear leaves it unchanged, not a 500', async () => {
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { durationMonths: 3 });
    const r = await t.gql(
      `mutation($i: UpdateNeedInput!) { updateNeed(input: $i) { need { durationMonths monthlyVolume } userErrors { code } } }`,
      { i: { id: needId, monthlyVolume: 50, durationMonths: null, regionCode: null } },
      b.key,
    );
    expect(ok(r).updateNeed).toEqual({ need: { durationMonths: 3, monthlyVolume: 50 }, userErrors: [] });
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key);
    const o = await t.gql(
      `mutation($i: UpdateOfferingInput!) { updateOffering(input: $i) { offering { id } userErrors { code } } }`,
      { i: { id: offeringId, title: null } },
      p.key,
    );
    expect(o.status).toBe(200);
    expect(ok(o).updateOffering.userErrors).toEqual([]);
    const g = await t.gql(
      `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id } userErrors { code } } }`,
      { i: { id: p.id, name: null } },
      p.key,
    );
    expect(ok(g).updateOrganization.userErrors).toEqual([]);
  });
});
