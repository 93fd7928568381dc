// Needs and matching through GraphQL: visibility of needs, each hard filter, ranking explained.
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import {
  buyer,
  createKey,
  createNeed,
  createOffering,
  createOrg,
  needInput,
  nextMonth,
  provider,
  setCapacity,
} from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const MONTHS = [nextMonth(1), nextMonth(2), nextMonth(3)];
const MATCH = `query($i: MatchInput!, $n: Int) { matchOffers(input: $i, first: $n) { offering { id } provider { id } score fullyAvailable minAvailableUnits shortMonths availability { month availableUnits } estimatedMonthlyCost currency breakdown { factor weight value reason } warnings } }`;

/** A fresh category-less world per test: each test uses its own category to stay independent. */
async function sellerWith(
  offering: Record<string, unknown>,
  units = 10_000,
  providerInput: Record<string, unknown> = {},
) {
  const p = await provider(t, providerInput);
  const offeringId = await createOffering(t, p.key, offering);
  await setCapacity(t, p.key, offeringId, MONTHS, units);
  return { ...p, offeringId };
}

const matchIds = async (input: Record<string, unknown>, key?: string) =>
  ok(await t.gql(MATCH, { i: needInput(input), n: 100 }, key)).matchOffers.map((m) => m.offering.id);

describe('needs', () => {
  it('are visible to every organization, but maxUnitPrice and notes only to the buyer side', async () => {
    const b = await buyer(t);
    const other = await provider(t);
    const id = await createNeed(t, b.key, {
      maxUnitPrice: '5.50',
      notes: 'Prefer a partner with MEDITECH experience.',
    });
    const q = `query($id: ID!) { need(id: $id) { id status maxUnitPrice notes monthlyVolume startMonth buyer { id } } }`;
    expect(ok(await t.gql(q, { id }, b.key)).need).toMatchObject({
      maxUnitPrice: '5.50',
      notes: 'Prefer a partner with MEDITECH experience.',
      status: 'OPEN',
    });
    expect(ok(await t.gql(q, { id }, other.key)).need).toMatchObject({
      id,
      maxUnitPrice: null,
      notes: null,
      monthlyVolume: 100,
    });
  });

  it('refuse bad input with clear errors and write nothing', async () => {
    const b = await buyer(t);
    const mut = `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code field } } }`;
    const [before] = await t.sql('select count(*)::int as n from need');
    expect(errorCode(await t.gql(mut, { i: needInput({ monthlyVolume: 0 }) }, b.key))).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(mut, { i: needInput({ durationMonths: 61 }) }, b.key))).toBe('BAD_USER_INPUT');
    expect(ok(await t.gql(mut, { i: needInput({ startMonth: nextMonth(-1) }) }, b.key)).createNeed.userErrors).toEqual([
      { code: 'VALIDATION', field: 'input.startMonth' },
    ]);
    expect(
      ok(
        await t.gql(mut, { i: needInput({ categoryCode: 'NOPE', regionCode: 'US-ZZ' }) }, b.key),
      ).createNeed.userErrors.map((e) => e.field),
    ).toEqual(['input.categoryCode', 'input.regionCode']);
    const [after] = await t.sql('select count(*)::int as n from need');
    expect(after.n).toBe(before.n);
  });

  it('may start in the current month', async () => {
    const b = await buyer(t);
    await expect(createNeed(t, b.key, { startMonth: nextMonth(0) })).resolves.toBeTruthy();
  });

  it('are posted by a network INTEGRATION key for a member hospital, not for others', async () => {
    const network = await createOrg(t, { kind: 'NETWORK' });
    const member = await createOrg(t, { kind: 'HOSPITAL', networkId: network });
    const outsider = await createOrg(t, { kind: 'HOSPITAL' });
    const key = await createKey(t, network, 'INTEGRATION');
    const id = await createNeed(t, key, { buyerId: member });
    expect(ok(await t.gql(`query($id: ID!) { need(id: $id) { buyer { id } } }`, { id }, key)).need!.buyer.id).toBe(
      member,
    );
    const r = await t.gql(
      `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } } }`,
      { i: needInput({ buyerId: outsider }) },
      key,
    );
    expect(errorCode(r)).toBe('FORBIDDEN');
  });

  it('update while open, cancel, and then refuse changes', async () => {
    const b = await buyer(t);
    const id = await createNeed(t, b.key);
    const up = ok(
      await t.gql(
        `mutation { updateNeed(input: { id: "${id}", monthlyVolume: 250 }) { need { monthlyVolume } userErrors { code } } }`,
        {},
        b.key,
      ),
    );
    expect(up.updateNeed.need!.monthlyVolume).toBe(250);
    const other = await buyer(t);
    expect(
      errorCode(
        await t.gql(`mutation { updateNeed(input: { id: "${id}", monthlyVolume: 1 }) { need { id } } }`, {}, other.key),
      ),
    ).toBe('FORBIDDEN');
    ok(await t.gql(`mutation { cancelNeed(input: { id: "${id}" }) { need { status } } }`, {}, b.key));
    const again = ok(
      await t.gql(
        `mutation { updateNeed(input: { id: "${id}", monthlyVolume: 3 }) { userErrors { code } } }`,
        {},
        b.key,
      ),
    );
    expect(again.updateNeed.userErrors[0].code).toBe('INVALID_TRANSITION');
    const seen = ok(await t.gql(`query($id: ID!) { need(id: $id) { id } }`, { id }, other.key));
    expect(seen.need).toBeNull();
  });

  it('filter by status, category, buyer and region', async () => {
    const b = await buyer(t, { stateCode: 'US-KS' });
    const id = await createNeed(t, b.key, { categoryCode: 'TELEHEALTH', regionCode: 'US-KS' });
    const d = ok(
      await t.gql(
        `query($b: ID!) { needs(filter: { status: OPEN, categoryCode: "TELEHEALTH", buyerId: $b, regionCode: "HHS-7" }) { totalCount edges { node { id } } } }`,
        { b: b.id },
      ),
    );
    expect(d.needs.edges.map((e) => e.node.id)).toEqual([id]);
  });
});

describe('matching hard filters', () => {
  it('category: another category is excluded', async () => {
    const a = await sellerWith({ categoryCode: 'CYBERSECURITY' });
    const ids = await matchIds({ categoryCode: 'CYBERSECURITY' });
    expect(ids).toContain(a.offeringId);
    expect(await matchIds({ categoryCode: 'HR_RECRUITMENT' })).not.toContain(a.offeringId);
  });

  it('status: a draft or paused offering is excluded', async () => {
    const p = await provider(t);
    const draft = await createOffering(t, p.key, { categoryCode: 'DATA_ANALYTICS' }, false);
    await setCapacity(t, p.key, draft, MONTHS, 10_000);
    const live = await sellerWith({ categoryCode: 'DATA_ANALYTICS' });
    ok(
      await t.gql(
        `mutation { pauseOffering(input: { id: "${live.offeringId}" }) { userErrors { code } } }`,
        {},
        live.key,
      ),
    );
    const ids = await matchIds({ categoryCode: 'DATA_ANALYTICS' });
    expect(ids).not.toContain(draft);
    expect(ids).not.toContain(live.offeringId);
  });

  it('EHR platform: an offering not supporting it is excluded', async () => {
    const a = await sellerWith({ categoryCode: 'EHR_IT_SUPPORT', ehrPlatformCodes: ['EPIC'] });
    expect(await matchIds({ categoryCode: 'EHR_IT_SUPPORT', ehrPlatformCode: 'EPIC' })).toContain(a.offeringId);
    expect(await matchIds({ categoryCode: 'EHR_IT_SUPPORT', ehrPlatformCode: 'TRUBRIDGE' })).not.toContain(
      a.offeringId,
    );
  });

  it('region: the state, its HHS region and NATIONWIDE match; other states do not', async () => {
    const state = await sellerWith({ categoryCode: 'TRANSCRIPTION', regionCodes: ['US-OH'] });
    const hhs = await sellerWith({ categoryCode: 'TRANSCRIPTION', regionCodes: ['HHS-5'] });
    const nation = await sellerWith({ categoryCode: 'TRANSCRIPTION', regionCodes: ['NATIONWIDE'] });
    const texas = await sellerWith({ categoryCode: 'TRANSCRIPTION', regionCodes: ['US-TX'] });
    const ids = await matchIds({ categoryCode: 'TRANSCRIPTION', regionCode: 'US-OH' });
    expect(ids).toEqual(expect.arrayContaining([state.offeringId, hhs.offeringId, nation.offeringId]));
    expect(ids).not.toContain(texas.offeringId);
    const indiana = await matchIds({ categoryCode: 'TRANSCRIPTION', regionCode: 'US-IN' });
    expect(indiana).not.toContain(state.offeringId);
    expect(indiana).toEqual(expect.arrayContaining([hhs.offeringId, nation.offeringId]));
  });

  it('certifications: an offering lacking a required one is excluded', async () => {
    const without = await sellerWith({ categoryCode: 'PRIOR_AUTHORIZATION', certifications: ['HIPAA_BAA'] });
    const withIt = await sellerWith({ categoryCode: 'PRIOR_AUTHORIZATION', certifications: ['HIPAA_BAA', 'HITRUST'] });
    const ids = await matchIds({ categoryCode: 'PRIOR_AUTHORIZATION', requiredCertifications: ['HITRUST'] });
    expect(ids).toContain(withIt.offeringId);
    expect(ids).not.toContain(without.offeringId);
  });

  it('coverage hours: a lower level is excluded, a higher one qualifies', async () => {
    const business = await sellerWith({ categoryCode: 'AFTER_HOURS_ANSWERING', coverageHours: 'BUSINESS_HOURS' });
    const allDay = await sellerWith({ categoryCode: 'AFTER_HOURS_ANSWERING', coverageHours: 'AROUND_THE_CLOCK' });
    const ids = await matchIds({ categoryCode: 'AFTER_HOURS_ANSWERING', coverageHours: 'EXTENDED' });
    expect(ids).toContain(allDay.offeringId);
    expect(ids).not.toContain(business.offeringId);
  });

  it('languages: an offering without a required language is excluded', async () => {
    const en = await sellerWith({ categoryCode: 'CALL_CENTER', languages: ['en'] });
    const bilingual = await sellerWith({ categoryCode: 'CALL_CENTER', languages: ['en', 'es'] });
    const ids = await matchIds({ categoryCode: 'CALL_CENTER', languages: ['es'] });
    expect(ids).toContain(bilingual.offeringId);
    expect(ids).not.toContain(en.offeringId);
  });

  it('capacity: a month short of availability excludes the offering, or flags it when partial results are asked for', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, { categoryCode: 'REFERRAL_COORDINATION' });
    await setCapacity(t, p.key, offeringId, [MONTHS[0], MONTHS[2]], 10_000);
    await setCapacity(t, p.key, offeringId, [MONTHS[1]], 500); // 50 sellable at 10%
    const input = needInput({ categoryCode: 'REFERRAL_COORDINATION', monthlyVolume: 100 });
    expect(await matchIds(input)).not.toContain(offeringId);
    const partial = ok(await t.gql(MATCH, { i: { ...input, includePartial: true }, n: 100 })).matchOffers.find(
      (m) => m.offering.id === offeringId,
    );
    expect(partial).toMatchObject({ fullyAvailable: false, minAvailableUnits: 50, shortMonths: [MONTHS[1]] });
    expect(partial!.availability).toEqual([
      { month: MONTHS[0], availableUnits: 1000 },
      { month: MONTHS[1], availableUnits: 50 },
      { month: MONTHS[2], availableUnits: 1000 },
    ]);
    expect(partial!.warnings[0]).toContain(MONTHS[1]);
  });

  it('capacity: held and committed units reduce availability', async () => {
    const a = await sellerWith({ categoryCode: 'APPOINTMENT_REMINDERS' }, 1000); // 100 sellable
    await t.sql(
      `insert into reservation (offering_id, month, kind, units, expires_at) values ($1, $2::date, 'HELD', 30, now() + interval '1 day')`,
      [a.offeringId, `${MONTHS[0]}-01`],
    );
    await t.sql(`insert into reservation (offering_id, month, kind, units) values ($1, $2::date, 'COMMITTED', 30)`, [
      a.offeringId,
      `${MONTHS[1]}-01`,
    ]);
    const m = ok(
      await t.gql(MATCH, { i: needInput({ categoryCode: 'APPOINTMENT_REMINDERS', monthlyVolume: 50 }), n: 100 }),
    ).matchOffers.find((x) => x.offering.id === a.offeringId);
    expect(m!.availability.map((x) => x.availableUnits)).toEqual([70, 70, 100]);
    expect(await matchIds({ categoryCode: 'APPOINTMENT_REMINDERS', monthlyVolume: 71 })).not.toContain(a.offeringId);
  });

  it('a provider at its engagement limit is excluded', async () => {
    const a = await sellerWith({ categoryCode: 'CLINICAL_DOCUMENTATION_IMPROVEMENT' });
    ok(
      await t.gql(
        `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`,
        { i: { providerId: a.id, phases: [{ name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 0 }] } },
        a.key,
      ),
    );
    expect(await matchIds({ categoryCode: 'CLINICAL_DOCUMENTATION_IMPROVEMENT' })).not.toContain(a.offeringId);
  });
});

describe('ranking', () => {
  it('explains every score: weight x value adds up, reasons are given, order is by score then id', async () => {
    await sellerWith(
      { categoryCode: 'CHRONIC_CARE_MANAGEMENT', ehrPlatformCodes: ['EPIC'], regionCodes: ['NATIONWIDE'] },
      10_000,
      { stateCode: 'US-OH', ehrPlatformCode: 'EPIC' },
    );
    await sellerWith(
      { categoryCode: 'CHRONIC_CARE_MANAGEMENT', ehrPlatformCodes: ['EPIC'], regionCodes: ['NATIONWIDE'] },
      10_000,
      { stateCode: 'US-TX', ehrPlatformCode: 'ORACLE_HEALTH' },
    );
    const list = ok(
      await t.gql(MATCH, { i: needInput({ categoryCode: 'CHRONIC_CARE_MANAGEMENT', maxUnitPrice: '6.00' }), n: 100 }),
    ).matchOffers;
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const m of list) {
      const sum = m.breakdown.reduce((s, f) => s + f.weight * f.value, 0);
      expect(Math.abs(sum - m.score)).toBeLessThan(0.01);
      expect(m.breakdown.map((f) => f.factor)).toEqual([
        'EHR_FIT',
        'PROXIMITY',
        'PRICE',
        'SLA',
        'CAPACITY_HEADROOM',
        'EXISTING_RELATIONSHIP',
      ]);
      expect(m.breakdown.every((f) => f.reason.length > 10)).toBe(true);
    }
    expect(list[0].breakdown[0].reason).toContain('runs EPIC itself');
    for (let i = 1; i < list.length; i++) {
      expect(
        list[i - 1].score > list[i].score ||
          (list[i - 1].score === list[i].score && list[i - 1].offering.id < list[i].offering.id),
      ).toBe(true);
    }
  });

  it('breaks ties by offering id, the same on every call', async () => {
    const input = needInput({ categoryCode: 'HR_RECRUITMENT', monthlyVolume: 1 });
    for (let i = 0; i < 3; i++)
      await sellerWith({ categoryCode: 'HR_RECRUITMENT', regionCodes: ['US-OH'] }, 1000, { stateCode: 'US-OH' });
    const first = ok(await t.gql(MATCH, { i: input, n: 100 })).matchOffers;
    const tied = first.filter((m) => m.score === first[0].score).map((m) => m.offering.id);
    expect(tied.length).toBeGreaterThanOrEqual(3);
    expect(tied).toEqual([...tied].sort());
    expect(ok(await t.gql(MATCH, { i: input, n: 100 })).matchOffers).toEqual(first);
  });

  it("matches(needId) works for sellers without revealing the buyer's budget", async () => {
    const a = await sellerWith({ categoryCode: 'MEDICAL_CODING' });
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { categoryCode: 'MEDICAL_CODING', maxUnitPrice: '9.99' });
    const q = `query($id: ID!) { matches(needId: $id, first: 50) { offering { id } breakdown { factor reason } } }`;
    const seller = ok(await t.gql(q, { id: needId }, a.key)).matches;
    expect(seller.map((m) => m.offering.id)).toContain(a.offeringId);
    expect(JSON.stringify(seller)).not.toContain('9.99');
    const own = ok(await t.gql(q, { id: needId }, b.key)).matches;
    expect(JSON.stringify(own)).toContain('9.99');
  });

  it('runs a bounded number of SQL statements whatever the candidate count', async () => {
    for (let i = 0; i < 6; i++) await sellerWith({ categoryCode: 'TELEHEALTH', regionCodes: ['NATIONWIDE'] });
    const b = await buyer(t);
    const needId = await createNeed(t, b.key, { categoryCode: 'TELEHEALTH' });
    await t.gql('{ viewer { role } }', {}, b.key);
    const r = await t.gql(
      `query($id: ID!) { matches(needId: $id, first: 50) { score offering { id title category { code } } provider { id name } } }`,
      { id: needId },
      b.key,
    );
    expect(ok(r).matches.length).toBeGreaterThanOrEqual(6);
    expect(Number(r.headers.get('x-sql-statements'))).toBeLessThanOrEqual(5);
  });
});

describe('match explanations', () => {
  it('do not reveal the sellable units of a provider to other organizations', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key, { categoryCode: 'MEDICAL_CODING' });
    await setCapacity(t, p.key, offeringId, [nextMonth(1), nextMonth(2)], 4321); // PILOT 10% -> 432 sellable
    const b = await buyer(t);
    const q = `query($i: MatchInput!) { matchOffers(input: $i, first: 100) { offering { id } breakdown { factor reason } } }`;
    const found = ok(
      await t.gql(
        q,
        { i: needInput({ categoryCode: 'MEDICAL_CODING', durationMonths: 2, monthlyVolume: 100 }) },
        b.key,
      ),
    ).matchOffers;
    const m = found.find((x) => x.offering.id === offeringId);
    expect(m).toBeTruthy();
    const reasons = m!.breakdown.map((f) => f.reason).join(' ');
    expect(reasons).not.toContain('432');
    expect(reasons).not.toMatch(/sellable/i);
  });
});
