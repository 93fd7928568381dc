// Capacity book and phased limits: sellable = floor(total x share), tenancy of figures, refusals
// below reservations, expired holds, and PostgreSQL refusing an oversell written directly in SQL.
import { type AuditChanges, errorCode, ok, startTestApi, type TestApi } from './support/api';
import { createKey, createOffering, provider } from './support/fixtures';
import { addMonths, currentMonth } from '../src/shared/month';
import { sweepExpiredHolds } from '../src/app/hold-sweeper';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const M1 = addMonths(currentMonth(), 1);
const M2 = addMonths(currentMonth(), 2);

const SET = `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { offering { id } userErrors { code field message } } }`;
const CAPACITY = `query($id: ID!, $f: Month!, $t: Month!) { offering(id: $id) { capacity(from: $f, to: $t) {
  month totalUnits sellableUnits heldUnits committedUnits conditionalUnits reservedUnits availableUnits utilization phase } } }`;

async function offeringWithCapacity(units: Record<string, number>, providerInput: Record<string, unknown> = {}) {
  const p = await provider(t, providerInput);
  const offeringId = await createOffering(t, p.key);
  const r = ok(
    await t.gql(
      SET,
      { i: { offeringId, months: Object.entries(units).map(([month, totalUnits]) => ({ month, totalUnits })) } },
      p.key,
    ),
  );
  expect(r.setCapacity.userErrors).toEqual([]);
  return { ...p, offeringId };
}

const capacity = async (offeringId: string, key: string, from = M1, to = M2) =>
  ok(await t.gql(CAPACITY, { id: offeringId, f: from, t: to }, key)).offering!.capacity;

/** Places a reservation directly (the quote flow does this through the ledger). */
const reserve = (
  offeringId: string,
  month: string,
  units: number,
  kind = 'COMMITTED',
  expiresAt: string | null = null,
) =>
  t.sql(`insert into reservation (offering_id, month, kind, units, expires_at) values ($1, $2::date, $3, $4, $5)`, [
    offeringId,
    `${month}-01`,
    kind,
    units,
    expiresAt ?? (kind === 'HELD' ? new Date(Date.now() + 3600_000).toISOString() : null),
  ]);

describe('sellable units', () => {
  it('are floor(total x share) of the phase in force', async () => {
    const { offeringId, key } = await offeringWithCapacity({ [M1]: 105, [M2]: 9 });
    const [a, b] = await capacity(offeringId, key);
    expect(a).toMatchObject({
      month: M1,
      totalUnits: 105,
      sellableUnits: 10,
      availableUnits: 10,
      reservedUnits: 0,
      utilization: 0,
      phase: 'PILOT',
    });
    expect(b).toMatchObject({ totalUnits: 9, sellableUnits: 0, availableUnits: 0, utilization: null });
  });

  it('are exact for shares that floats get wrong (0.29 x 100 = 29)', async () => {
    const p = await provider(t);
    ok(
      await t.gql(`mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code } } }`, {
        i: { providerId: p.id, phases: [{ name: 'PILOT', maxExternalShare: 0.29, maxActiveEngagements: 1 }] },
      }),
    ); // the operator: a provider's loosening waits for it
    const offeringId = await createOffering(t, p.key);
    ok(await t.gql(SET, { i: { offeringId, months: [{ month: M1, totalUnits: 100 }] } }, p.key));
    expect((await capacity(offeringId, p.key, M1, M1))[0].sellableUnits).toBe(29);
  });

  it('follow the phase: advancing recomputes every future month', async () => {
    const { id, offeringId, key } = await offeringWithCapacity({ [M1]: 1000 });
    const adv = ok(
      await t.gql(
        `mutation($i: AdvanceProviderPhaseInput!) { advanceProviderPhase(input: $i) { organization { phasePolicy { currentPhase { name } } } userErrors { code } } }`,
        { i: { providerId: id, overrideReason: 'Pilot stable for 6 months' } },
      ),
    );
    expect(adv.advanceProviderPhase.organization!.phasePolicy!.currentPhase.name).toBe('EXPANSION');
    expect((await capacity(offeringId, key, M1, M1))[0]).toMatchObject({ sellableUnits: 250, phase: 'EXPANSION' });
    const [ev] = await t.sql<{ changes: AuditChanges }>(
      `select changes from audit_event where entity_id = $1 and action = 'provider.phaseAdvanced'`,
      [id],
    );
    expect(ev.changes.after).toEqual({ phase: 'EXPANSION', reason: 'Pilot stable for 6 months' });
  });
});

describe('phase moves', () => {
  it('need an operator override with a reason for now', async () => {
    const p = await provider(t);
    const mut = `mutation($i: AdvanceProviderPhaseInput!) { advanceProviderPhase(input: $i) { userErrors { code message } } }`;
    expect(ok(await t.gql(mut, { i: { providerId: p.id } }, p.key)).advanceProviderPhase.userErrors[0].code).toBe(
      'GATE_NOT_MET',
    );
    expect(errorCode(await t.gql(mut, { i: { providerId: p.id, overrideReason: 'I say so' } }, p.key))).toBe(
      'FORBIDDEN',
    );
  });

  it('back is refused where reservations exceed the smaller share, and allowed once they fit', async () => {
    const { id, offeringId, key } = await offeringWithCapacity({ [M1]: 100 });
    ok(
      await t.gql(
        `mutation { advanceProviderPhase(input: { providerId: "${id}", overrideReason: "expansion approved" }) { userErrors { code } } }`,
      ),
    );
    await reserve(offeringId, M1, 20);
    const back = `mutation { retreatProviderPhase(input: { providerId: "${id}", reason: "staffing shortage" }) { organization { phasePolicy { currentPhase { name } } } userErrors { code message } } }`;
    const refused = ok(await t.gql(back, {}, key)).retreatProviderPhase;
    expect(refused.userErrors[0].code).toBe('CAPACITY_EXCEEDED');
    expect(refused.userErrors[0].message).toContain(M1);
    expect((await capacity(offeringId, key, M1, M1))[0]).toMatchObject({ sellableUnits: 25, phase: 'EXPANSION' });
    await t.sql(`update reservation set status = 'RELEASED', released_at = now() where offering_id = $1`, [offeringId]);
    await reserve(offeringId, M1, 10);
    expect(ok(await t.gql(back, {}, key)).retreatProviderPhase.organization!.phasePolicy!.currentPhase.name).toBe(
      'PILOT',
    );
    expect((await capacity(offeringId, key, M1, M1))[0]).toMatchObject({
      sellableUnits: 10,
      committedUnits: 10,
      availableUnits: 0,
      utilization: 1,
    });
  });

  it('a policy change below reservations is refused and changes nothing', async () => {
    const { id, offeringId, key } = await offeringWithCapacity({ [M1]: 100 });
    await reserve(offeringId, M1, 8);
    const r = ok(
      await t.gql(
        `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code message } } }`,
        {
          i: {
            providerId: id,
            phases: [
              { name: 'PILOT', maxExternalShare: 0.05, maxActiveEngagements: 1 },
              { name: 'EXPANSION', maxExternalShare: 0.2, maxActiveEngagements: 5 },
            ],
          },
        },
        key,
      ),
    );
    expect(r.setPhasePolicy.userErrors[0]).toMatchObject({
      code: 'CAPACITY_EXCEEDED',
      message: expect.stringContaining(`${M1}: 8 units are reserved`),
    });
    const d = ok(
      await t.gql(
        `query($id: ID!) { organization(id: $id) { phasePolicy { phases { name maxExternalShare } } } }`,
        { id },
        key,
      ),
    );
    expect(d.organization!.phasePolicy!.phases.map((p) => [p.name, p.maxExternalShare])).toEqual([
      ['PILOT', 0.1],
      ['EXPANSION', 0.25],
      ['SCALE', 0.5],
    ]);
  });

  it('policies are validated: shares in (0, 1], non-decreasing, unique names', async () => {
    const p = await provider(t);
    const r = ok(
      await t.gql(
        `mutation($i: SetPhasePolicyInput!) { setPhasePolicy(input: $i) { userErrors { code field } } }`,
        {
          i: {
            providerId: p.id,
            phases: [
              { name: 'A', maxExternalShare: 0.5 },
              { name: 'A', maxExternalShare: 0.2 },
              { name: 'C', maxExternalShare: 1.5 },
            ],
          },
        },
        p.key,
      ),
    );
    expect(r.setPhasePolicy.userErrors.map((e) => e.field)).toEqual([
      'input.phases.1.name',
      'input.phases.1.maxExternalShare',
      'input.phases.2.maxExternalShare',
    ]);
  });
});

describe('setCapacity', () => {
  it('refuses lowering a month below what is reserved, naming month, reserved and requested, and changes nothing', async () => {
    const { offeringId, key } = await offeringWithCapacity({ [M1]: 100, [M2]: 100 });
    await reserve(offeringId, M1, 7);
    const r = ok(
      await t.gql(
        SET,
        {
          i: {
            offeringId,
            months: [
              { month: M1, totalUnits: 50 },
              { month: M2, totalUnits: 50 },
            ],
          },
        },
        key,
      ),
    );
    expect(r.setCapacity.userErrors).toEqual([
      {
        code: 'CAPACITY_EXCEEDED',
        field: 'input.months.0.totalUnits',
        message: `${M1}: 7 units are reserved; 50 total units leave only 5 sellable.`,
      },
    ]);
    expect((await capacity(offeringId, key)).map((m) => m.totalUnits)).toEqual([100, 100]);
  });

  it('refuses months in the past, beyond 60 months, duplicated, or negative units', async () => {
    const p = await provider(t);
    const offeringId = await createOffering(t, p.key);
    const r = ok(
      await t.gql(
        SET,
        {
          i: {
            offeringId,
            months: [
              { month: addMonths(currentMonth(), -1), totalUnits: 1 },
              { month: addMonths(currentMonth(), 61), totalUnits: 1 },
              { month: M1, totalUnits: 1 },
              { month: M1, totalUnits: 2 },
            ],
          },
        },
        p.key,
      ),
    );
    expect(r.setCapacity.userErrors.map((e) => e.field)).toEqual([
      'input.months.0.month',
      'input.months.1.month',
      'input.months.3.month',
    ]);
    expect(errorCode(await t.gql(SET, { i: { offeringId, months: [{ month: M1, totalUnits: -1 }] } }, p.key))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      errorCode(await t.gql(SET, { i: { offeringId, months: [{ month: '2027-13', totalUnits: 1 }] } }, p.key)),
    ).toBe('BAD_USER_INPUT');
    const [row] = await t.sql('select count(*)::int as n from capacity_month where offering_id = $1', [offeringId]);
    expect(row.n).toBe(0);
  });

  it('is written to the audit trail', async () => {
    const { offeringId } = await offeringWithCapacity({ [M1]: 40 });
    const [ev] = await t.sql<{ changes: AuditChanges }>(
      `select changes from audit_event where entity_id = $1 and action = 'capacity.set'`,
      [offeringId],
    );
    expect(ev.changes.after).toEqual({ months: [{ month: M1, totalUnits: 40, sellableUnits: 4 }] });
  });

  it('is refused to competitors and SALES keys', async () => {
    const { id, offeringId } = await offeringWithCapacity({ [M1]: 40 });
    const other = await provider(t);
    expect(errorCode(await t.gql(SET, { i: { offeringId, months: [{ month: M1, totalUnits: 1 }] } }, other.key))).toBe(
      'FORBIDDEN',
    );
    const sales = await createKey(t, id, 'SALES');
    expect(errorCode(await t.gql(SET, { i: { offeringId, months: [{ month: M1, totalUnits: 1 }] } }, sales))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('tenancy of capacity figures', () => {
  it('a competitor sees only month and availability, in capacity and capacityOverview', async () => {
    const { id, offeringId, key } = await offeringWithCapacity({ [M1]: 100 });
    await reserve(offeringId, M1, 3);
    const other = await provider(t);
    const [m] = await capacity(offeringId, other.key, M1, M1);
    expect(m).toEqual({
      month: M1,
      availableUnits: 7,
      totalUnits: null,
      sellableUnits: null,
      heldUnits: null,
      committedUnits: null,
      conditionalUnits: null,
      reservedUnits: null,
      utilization: null,
      phase: null,
    });
    const draft = await createOffering(t, key, {}, false);
    const q = `query($p: ID!) { capacityOverview(providerId: $p, from: "${M1}", to: "${M1}") { offering { id } months { month totalUnits committedUnits availableUnits } } }`;
    const theirs = ok(await t.gql(q, { p: id }, other.key)).capacityOverview;
    expect(theirs).toEqual([
      {
        offering: { id: offeringId },
        months: [{ month: M1, totalUnits: null, committedUnits: null, availableUnits: 7 }],
      },
    ]);
    const own = ok(await t.gql(q, { p: id }, key)).capacityOverview;
    expect(own.map((o) => o.offering.id).sort()).toEqual([offeringId, draft].sort());
    expect(own.find((o) => o.offering.id === offeringId)!.months[0]).toEqual({
      month: M1,
      totalUnits: 100,
      committedUnits: 3,
      availableUnits: 7,
    });
  });

  it("a competitor cannot read another provider's phase policy", async () => {
    const a = await provider(t);
    const b = await provider(t);
    const d = ok(
      await t.gql(
        `query($id: ID!) { organization(id: $id) { phasePolicy { currentPhase { name } } } }`,
        { id: a.id },
        b.key,
      ),
    );
    expect(d.organization!.phasePolicy).toBeNull();
  });
});

describe('holds', () => {
  it('stop counting at their expiry, and the sweeper marks them expired', async () => {
    const { offeringId, key } = await offeringWithCapacity({ [M1]: 100 });
    await reserve(offeringId, M1, 4, 'HELD', new Date(Date.now() + 60_000).toISOString());
    await reserve(offeringId, M1, 5, 'HELD', new Date(Date.now() - 1000).toISOString());
    const [m] = await capacity(offeringId, key, M1, M1);
    expect(m).toMatchObject({ heldUnits: 4, availableUnits: 6 });
    await sweepExpiredHolds(t.api.deps);
    const rows = await t.sql(`select units, status from reservation where offering_id = $1 order by units`, [
      offeringId,
    ]);
    expect(rows).toEqual([
      { units: 4, status: 'ACTIVE' },
      { units: 5, status: 'EXPIRED' },
    ]);
    const [c] = await t.sql(`select held_units from capacity_month where offering_id = $1`, [offeringId]);
    expect(c.held_units).toBe(4);
  });
});

describe('the database refuses to oversell', () => {
  it('rejects a reservation written directly in SQL that exceeds sellable units', async () => {
    const { offeringId } = await offeringWithCapacity({ [M1]: 100 });
    await reserve(offeringId, M1, 10);
    await expect(reserve(offeringId, M1, 1, 'HELD')).rejects.toThrow(/capacity_month_no_overcommit/);
    await expect(
      t.sql(`update capacity_month set sellable_units = 5 where offering_id = $1`, [offeringId]),
    ).rejects.toThrow(/capacity_month_no_overcommit/);
    await expect(
      t.sql(`update capacity_month set committed_units = 0 where offering_id = $1`, [offeringId]),
    ).resolves.toBeDefined();
  });

  it('keeps counters equal to the sum of active reservations', async () => {
    const { offeringId } = await offeringWithCapacity({ [M1]: 1000 });
    await reserve(offeringId, M1, 10, 'HELD');
    await reserve(offeringId, M1, 20, 'CONDITIONAL');
    await reserve(offeringId, M1, 30, 'COMMITTED');
    await t.sql(`update reservation set kind = 'COMMITTED' where offering_id = $1 and kind = 'CONDITIONAL'`, [
      offeringId,
    ]);
    await t.sql(
      `update reservation set status = 'RELEASED', released_at = now() where offering_id = $1 and kind = 'HELD'`,
      [offeringId],
    );
    const [c] = await t.sql(
      `select held_units, committed_units, conditional_units from capacity_month where offering_id = $1`,
      [offeringId],
    );
    expect(c).toEqual({ held_units: 0, committed_units: 50, conditional_units: 0 });
  });

  it('keeps both months right when a reservation converts, moves to another month, or is deleted', async () => {
    const { offeringId } = await offeringWithCapacity({ [M1]: 1000, [M2]: 1000 });
    await reserve(offeringId, M1, 10, 'HELD');
    await reserve(offeringId, M1, 7, 'COMMITTED');
    await t.sql(
      `update reservation set kind = 'CONDITIONAL', expires_at = null where offering_id = $1 and kind = 'HELD'`,
      [offeringId],
    );
    await t.sql(`update reservation set month = $2::date, units = 8 where offering_id = $1 and kind = 'CONDITIONAL'`, [
      offeringId,
      `${M2}-01`,
    ]);
    await t.sql(`delete from reservation where offering_id = $1 and kind = 'COMMITTED'`, [offeringId]);
    const counters = await t.sql(
      `select to_char(month, 'YYYY-MM') as month, held_units, committed_units, conditional_units from capacity_month where offering_id = $1 order by month`,
      [offeringId],
    );
    expect(counters).toEqual([
      { month: M1, held_units: 0, committed_units: 0, conditional_units: 0 },
      { month: M2, held_units: 0, committed_units: 0, conditional_units: 8 },
    ]);
  });
});
