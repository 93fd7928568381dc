// Pure rules, hand-computed: quote pricing, match scoring, phase gates, sellable units.
import { discounted, monthAmount, priceSchedule, rampSchedule, tierUnitPrice } from '../src/quotes/pricing';
import { rank, scoreCandidate, WEIGHTS, type Candidate, type NeedProfile } from '../src/matching/scoring';
import { evaluate, gateFailure } from '../src/engagements/phase-gate';
import { policyProblems, sellableUnits } from '../src/organizations/phase-policy';
import { SlaDirection } from '../src/catalog/offering.entity';
import { parseIntegers } from '../src/capacity/capacity.loader';

describe('quote pricing', () => {
  const book = {
    unitPrice: '5.00',
    tiers: [
      { fromUnits: 1000, unitPrice: '4.50' },
      { fromUnits: 5000, unitPrice: '4.00' },
    ],
    monthlyMinimum: '600.00',
    setupFee: '2500.00',
  };
  const ramp = {
    startMonth: '2027-01',
    durationMonths: 6,
    monthlyVolume: 6000,
    pilotMonths: 2,
    pilotUnits: 100,
    expansionMonths: 1,
    expansionUnits: 2000,
  };

  it('ramps pilot, expansion, then steady volume to the end of the need', () => {
    expect(rampSchedule(ramp).map((l) => `${l.month} ${l.phase} ${l.units}`)).toEqual([
      '2027-01 PILOT 100',
      '2027-02 PILOT 100',
      '2027-03 EXPANSION 2000',
      '2027-04 STEADY 6000',
      '2027-05 STEADY 6000',
      '2027-06 STEADY 6000',
    ]);
  });

  it('picks the highest tier reached', () => {
    expect([999, 1000, 4999, 5000].map((u) => tierUnitPrice(book, u))).toEqual(['5.00', '4.50', '4.50', '4.00']);
  });

  it('applies the minimum per month, the discount to unit prices, and adds the setup fee', () => {
    // pilot: 100 x 5.00 = 500.00 -> minimum 600.00 (twice); expansion 2000 x 4.50 = 9000.00; steady 6000 x 4.00 = 24000.00 (x3)
    const plain = priceSchedule(ramp, book, 0);
    expect(plain.lines.map((l) => l.amount)).toEqual([
      '600.00',
      '600.00',
      '9000.00',
      '24000.00',
      '24000.00',
      '24000.00',
    ]);
    expect(plain.total).toBe('84700.00'); // 1200 + 9000 + 72000 + 2500
    // 12.5% off: 4.375 / 3.9375 / 3.5 -> pilot 437.50 -> 600.00; 2000 x 3.9375 = 7875.00; 6000 x 3.5 = 21000.00
    const off = priceSchedule(ramp, book, 12.5);
    expect(off.lines.map((l) => l.unitPrice)).toEqual(['4.3750', '4.3750', '3.9375', '3.5000', '3.5000', '3.5000']);
    expect(off.total).toBe('74575.00'); // 1200 + 7875 + 63000 + 2500
    expect(off.totalUnits).toBe(20200);
  });

  it('rounds each month half-up to cents, exactly', () => {
    expect(monthAmount(3, '0.0350', '0')).toBe('0.11'); // 0.105 -> 0.11
    expect(monthAmount(1, '0.0050', '0')).toBe('0.01'); // 0.005 -> 0.01
    expect(discounted('0.0350', 10)).toBe('0.0315');
    expect(discounted('1.00', 33.33)).toBe('0.6667');
  });
});

describe('match scoring', () => {
  const need: NeedProfile = {
    monthlyVolume: 100,
    months: ['2027-01', '2027-02'],
    ehrPlatformCode: 'EPIC',
    ehrProduct: 'Community Connect',
    regionCode: 'US-OH',
    needStates: ['US-OH'],
    needHhsRegion: 'HHS-5',
    maxUnitPrice: '5.00',
    unit: 'claims',
  };
  const base: Candidate = {
    offeringId: 'a',
    providerState: 'US-OH',
    providerHhsRegion: 'HHS-5',
    providerEhr: 'EPIC',
    providerEhrProduct: 'Community Connect',
    unitPrice: '4.00',
    tiers: [],
    monthlyMinimum: '0',
    currency: 'USD',
    slaTargets: [{ metric: 'x', target: 1, unit: '%', direction: SlaDirection.AT_LEAST }],
    slaHistory: null,
    available: [600, 400],
    engagementsWithBuyer: 1,
  };

  it('weights add up to 100', () => {
    expect(Object.values(WEIGHTS).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('computes a hand-checked score', () => {
    // EHR 1 x 25 + proximity 1 x 15 + price (0.5 + 0.5 x 0.2 = 0.6) x 20 + SLA ((0.5 + 0.5) / 2 = 0.5) x 15
    // + headroom (tightest 2027-02: (400 - 100) / 400 = 0.75) x 15 + relationship 1 x 10 = 25 + 15 + 12 + 7.5 + 11.25 + 10 = 80.75
    const s = scoreCandidate(base, need, '4.00');
    expect(s.breakdown.map((f) => [f.factor, f.value])).toEqual([
      ['EHR_FIT', 1],
      ['PROXIMITY', 1],
      ['PRICE', 0.6],
      ['SLA', 0.5],
      ['CAPACITY_HEADROOM', 0.75],
      ['EXISTING_RELATIONSHIP', 1],
    ]);
    expect(s.score).toBe(80.75);
    expect(s.estimatedMonthlyCost).toBe('400.00');
    expect(s.fullyAvailable).toBe(true);
  });

  it('prefers same platform and product, then same platform, then support only', () => {
    const values = [base, { ...base, providerEhrProduct: 'Epic 2024' }, { ...base, providerEhr: 'ORACLE_HEALTH' }].map(
      (c) => scoreCandidate(c, need, '4.00').breakdown[0].value,
    );
    expect(values).toEqual([1, 0.8, 0.5]);
  });

  it('prefers the same state, then the same HHS region, then elsewhere', () => {
    const values = [
      base,
      { ...base, providerState: 'US-IN' },
      { ...base, providerState: 'US-TX', providerHhsRegion: 'HHS-6' },
    ].map((c) => scoreCandidate(c, need, '4.00').breakdown[1].value);
    expect(values).toEqual([1, 0.6, 0.3]);
  });

  it('gives no price credit above the maximum, and warns', () => {
    const s = scoreCandidate({ ...base, unitPrice: '5.50' }, need, '4.00');
    expect(s.breakdown[2].value).toBe(0);
    expect(s.warnings).toContain('Unit price is above the maximum.');
  });

  it('flags partial availability with the short months', () => {
    const s = scoreCandidate({ ...base, available: [600, 40] }, need, '4.00');
    expect(s.fullyAvailable).toBe(false);
    expect(s.minAvailableUnits).toBe(40);
    expect(s.breakdown[4].value).toBe(0);
    expect(s.warnings[0]).toBe('2027-02: only 40 of 100 units available.');
  });

  it('ranks by score, ties by offering id', () => {
    const ranked = rank(
      [
        { ...base, offeringId: 'c' },
        { ...base, offeringId: 'b' },
        { ...base, offeringId: 'a', providerState: 'US-TX', providerHhsRegion: 'HHS-6' },
      ],
      need,
    );
    expect(ranked.map((s) => s.candidate.offeringId)).toEqual(['b', 'c', 'a']);
  });
});

describe('phase gates', () => {
  const targets = [
    { metric: 'answered_within_20s_pct', target: 80, unit: '%', direction: SlaDirection.AT_LEAST },
    { metric: 'abandonment_rate_pct', target: 5, unit: '%', direction: SlaDirection.AT_MOST },
  ];

  it('evaluates AT_LEAST and AT_MOST targets, attainment is the share met', () => {
    const r = evaluate(
      targets,
      new Map([
        ['answered_within_20s_pct', 82],
        ['abandonment_rate_pct', 6.1],
      ]),
    );
    expect(r.metrics.map((m) => m.met)).toEqual([true, false]);
    expect(r.attainment).toBe(0.5);
    expect(r.allMet).toBe(false);
  });

  it('needs N reports and says which report and metric failed', () => {
    const good = {
      month: '2027-02',
      metrics: evaluate(
        targets,
        new Map([
          ['answered_within_20s_pct', 85],
          ['abandonment_rate_pct', 3],
        ]),
      ).metrics,
    };
    const bad = {
      month: '2027-01',
      metrics: evaluate(
        targets,
        new Map([
          ['answered_within_20s_pct', 85],
          ['abandonment_rate_pct', 6.1],
        ]),
      ).metrics,
    };
    expect(gateFailure('PILOT', [good], 2)).toContain('1 recorded so far');
    expect(gateFailure('PILOT', [good, bad], 2)).toBe(
      'Report 2027-01 missed abandonment_rate_pct 6.1 (target <= 5); the last 2 report(s) in PILOT must meet every target.',
    );
    expect(gateFailure('PILOT', [good, good], 2)).toBeNull();
  });
});

describe('phase policy', () => {
  it('floors total x share exactly', () => {
    expect(sellableUnits(105, 0.1)).toBe(10);
    expect(sellableUnits(100, 0.29)).toBe(29);
    expect(sellableUnits(3, 0.5)).toBe(1);
  });

  it('refuses shares out of range or decreasing, and duplicate names', () => {
    expect(policyProblems([{ name: 'PILOT', maxExternalShare: 0.1, maxActiveEngagements: 2 }])).toEqual([]);
    expect(policyProblems([{ name: 'A', maxExternalShare: 0, maxActiveEngagements: null }]).length).toBe(1);
    expect(
      policyProblems([
        { name: 'A', maxExternalShare: 0.5, maxActiveEngagements: null },
        { name: 'B', maxExternalShare: 0.4, maxActiveEngagements: null },
      ]).length,
    ).toBe(1);
  });
});

describe('integer arrays in PostgreSQL text form', () => {
  it('reads nested and flat arrays into one flat list', () => {
    expect(parseIntegers('{{0,1000,100,3,20,5},{1,0,0,0,0,0}}')).toEqual([0, 1000, 100, 3, 20, 5, 1, 0, 0, 0, 0, 0]);
    expect(parseIntegers('{7}')).toEqual([7]);
    expect(parseIntegers('{}')).toEqual([]);
  });
});
