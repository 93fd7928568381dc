// Builds a small world through the public API: organizations, keys and offerings.
import { randomBytes } from 'node:crypto';
import { ok, type TestApi } from './api';
import type {
  CreateNeedInput,
  CreateOfferingInput,
  CreateOrganizationInput,
  IssueQuoteInput,
  Role,
} from './schema-types';

let n = 0;
const unique = (prefix: string) => `${prefix} ${++n}-${randomBytes(3).toString('hex')}`;

export async function createOrg(t: TestApi, input: Partial<CreateOrganizationInput> = {}): Promise<string> {
  const r = ok(
    await t.gql(
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code field message } } }`,
      {
        i: {
          name: unique('Org'),
          kind: 'HEALTH_SYSTEM',
          stateCode: 'US-OH',
          ehrPlatformCode: 'EPIC',
          beds: 500,
          ...input,
        },
      },
    ),
  );
  if (r.createOrganization.userErrors.length) throw new Error(JSON.stringify(r.createOrganization.userErrors));
  return r.createOrganization.organization!.id;
}

export async function createKey(t: TestApi, organizationId: string | null, role: Role = 'ADMIN'): Promise<string> {
  const r = ok(
    await t.gql(
      `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret userErrors { code message } } }`,
      {
        i: { organizationId, role, label: `${role.toLowerCase()} key` },
      },
    ),
  );
  if (r.createApiKey.userErrors.length) throw new Error(JSON.stringify(r.createApiKey.userErrors));
  return r.createApiKey.secret!;
}

export const offeringInput = (overrides: Partial<CreateOfferingInput> = {}): CreateOfferingInput => ({
  categoryCode: 'REVENUE_CYCLE',
  title: unique('Revenue cycle'),
  description: 'Claims, denials and AR follow-up.',
  ehrPlatformCodes: ['EPIC'],
  regionCodes: ['US-OH'],
  pricing: {
    currency: 'USD',
    unitPrice: '5.25',
    setupFee: '1000.00',
    monthlyMinimum: '0.00',
    tiers: [{ fromUnits: 10000, unitPrice: '4.75' }],
  },
  slaTargets: [{ metric: 'clean_claim_rate_pct', target: 95, unit: '%', direction: 'AT_LEAST' }],
  coverageHours: 'BUSINESS_HOURS',
  languages: ['en'],
  certifications: ['HIPAA_BAA'],
  ...overrides,
});

export async function createOffering(
  t: TestApi,
  key: string,
  overrides: Partial<CreateOfferingInput> = {},
  publish = true,
): Promise<string> {
  const r = ok(
    await t.gql(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code field message } } }`,
      { i: offeringInput(overrides) },
      key,
    ),
  );
  if (r.createOffering.userErrors.length) throw new Error(JSON.stringify(r.createOffering.userErrors));
  const id = r.createOffering.offering!.id;
  if (publish) {
    const p = ok(
      await t.gql(
        `mutation($i: PublishOfferingInput!) { publishOffering(input: $i) { userErrors { code message } } }`,
        { i: { id } },
        key,
      ),
    );
    if (p.publishOffering.userErrors.length) throw new Error(JSON.stringify(p.publishOffering.userErrors));
  }
  return id;
}

/** A provider organization with an ADMIN key. */
export async function provider(t: TestApi, input: Partial<CreateOrganizationInput> = {}) {
  const id = await createOrg(t, { kind: 'HEALTH_SYSTEM', ...input });
  return { id, key: await createKey(t, id, 'ADMIN') };
}

/** A buyer hospital with an ADMIN key. */
export async function buyer(t: TestApi, input: Partial<CreateOrganizationInput> = {}) {
  const id = await createOrg(t, {
    kind: 'HOSPITAL',
    stateCode: 'US-OH',
    ehrPlatformCode: 'MEDITECH_EXPANSE',
    beds: 60,
    ...input,
  });
  return { id, key: await createKey(t, id, 'ADMIN') };
}

export async function setCapacity(t: TestApi, key: string, offeringId: string, months: string[], totalUnits: number) {
  const r = ok(
    await t.gql(
      `mutation($i: SetCapacityInput!) { setCapacity(input: $i) { userErrors { code message } } }`,
      {
        i: { offeringId, months: months.map((month) => ({ month, totalUnits })) },
      },
      key,
    ),
  );
  if (r.setCapacity.userErrors.length) throw new Error(JSON.stringify(r.setCapacity.userErrors));
}

export const needInput = (overrides: Partial<CreateNeedInput> = {}): CreateNeedInput => ({
  categoryCode: 'REVENUE_CYCLE',
  monthlyVolume: 100,
  startMonth: nextMonth(1),
  durationMonths: 3,
  ehrPlatformCode: 'EPIC',
  regionCode: 'US-OH',
  ...overrides,
});

export async function createNeed(t: TestApi, key: string, overrides: Partial<CreateNeedInput> = {}): Promise<string> {
  const r = ok(
    await t.gql(
      `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code field message } } }`,
      { i: needInput(overrides) },
      key,
    ),
  );
  if (r.createNeed.userErrors.length) throw new Error(JSON.stringify(r.createNeed.userErrors));
  return r.createNeed.need!.id;
}

export function nextMonth(n: number): string {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
}

export const ISSUE = `mutation($i: IssueQuoteInput!) { issueQuote(input: $i) { quote { id status total version schedule { month units phase unitPrice amount } } userErrors { code field message } } }`;
export const ACCEPT = `mutation($i: AcceptQuoteInput!) { acceptQuote(input: $i) { engagement { id status phase } quote { id status } userErrors { code field message } } }`;

export async function issueQuote(t: TestApi, key: string, input: IssueQuoteInput): Promise<string> {
  const r = ok(await t.gql(ISSUE, { i: { validDays: 7, ...input } }, key));
  if (r.issueQuote.userErrors.length) throw new Error(JSON.stringify(r.issueQuote.userErrors));
  return r.issueQuote.quote!.id;
}
