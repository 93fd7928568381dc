// Builds a small world through the public API: organizations, keys and offerings.
import { randomBytes } from 'node:crypto';
import { ok, type TestApi } from './api';

let n = 0;
const unique = (prefix: string) => `${prefix} ${++n}-${randomBytes(3).toString('hex')}`;

export async function createOrg(t: TestApi, input: Record<string, unknown> = {}): Promise<string> {
  const r = ok(
    await t.gql(
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code field message } } }`,
      { i: { name: unique('Org'), kind: 'HEALTH_SYSTEM', stateCode: 'US-OH', ehrPlatformCode: 'EPIC', beds: 500, ...input } },
    ),
  );
  if (r.createOrganization.userErrors.length) throw new Error(JSON.stringify(r.createOrganization.userErrors));
  return r.createOrganization.organization.id;
}

export async function createKey(t: TestApi, organizationId: string | null, role = 'ADMIN'): Promise<string> {
  const r = ok(
    await t.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret userErrors { code message } } }`, {
      i: { organizationId, role, label: `${role.toLowerCase()} key` },
    }),
  );
  if (r.createApiKey.userErrors.length) throw new Error(JSON.stringify(r.createApiKey.userErrors));
  return r.createApiKey.secret;
}

export const offeringInput = (overrides: Record<string, unknown> = {}) => ({
  categoryCode: 'REVENUE_CYCLE',
  title: unique('Revenue cycle'),
  description: 'Claims, denials and AR follow-up.',
  ehrPlatformCodes: ['EPIC'],
  regionCodes: ['US-OH'],
  pricing: { currency: 'USD', unitPrice: '5.25', setupFee: '1000.00', monthlyMinimum: '0.00', tiers: [{ fromUnits: 10000, unitPrice: '4.75' }] },
  slaTargets: [{ metric: 'clean_claim_rate_pct', target: 95, unit: '%', direction: 'AT_LEAST' }],
  coverageHours: 'BUSINESS_HOURS',
  languages: ['en'],
  certifications: ['HIPAA_BAA'],
  ...overrides,
});

export async function createOffering(t: TestApi, key: string, overrides: Record<string, unknown> = {}, publish = true): Promise<string> {
  const r = ok(
    await t.gql(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code field message } } }`,
      { i: offeringInput(overrides) },
      key,
    ),
  );
  if (r.createOffering.userErrors.length) throw new Error(JSON.stringify(r.createOffering.userErrors));
  const id = r.createOffering.offering.id;
  if (publish) {
    const p = ok(await t.gql(`mutation($i: PublishOfferingInput!) { publishOffering(input: $i) { userErrors { code message } } }`, { i: { id } }, key));
    if (p.publishOffering.userErrors.length) throw new Error(JSON.stringify(p.publishOffering.userErrors));
  }
  return id;
}

/** A provider organization with an ADMIN key. */
export async function provider(t: TestApi, input: Record<string, unknown> = {}) {
  const id = await createOrg(t, { kind: 'HEALTH_SYSTEM', ...input });
  return { id, key: await createKey(t, id, 'ADMIN') };
}
