// Malformed ids: anything that is not a UUID reads as not found (or a VALIDATION error), never a 500.
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import { offeringInput, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

describe('non-UUID ids', () => {
  it('updateOrganization reads a malformed id as not found, not a 500', async () => {
    const p = await provider(t);
    const r = await t.gql(
      `mutation { updateOrganization(input: { id: "nope", name: "x" }) { organization { id } userErrors { code } } }`,
      {},
      p.key,
    );
    expect(errorCode(r)).toBe('NOT_FOUND');
  });

  it('revokeApiKey reads a malformed id as not found, not a 500', async () => {
    const p = await provider(t);
    const r = await t.gql(
      `mutation { revokeApiKey(input: { id: "nope" }) { apiKey { id } userErrors { code } } }`,
      {},
      p.key,
    );
    expect(errorCode(r)).toBe('NOT_FOUND');
  });

  it('organizations(filter: { networkId }) with a malformed id is an empty page, not a 500', async () => {
    const p = await provider(t);
    const r = await t.gql(`{ organizations(filter: { networkId: "nope" }) { totalCount } }`, {}, p.key);
    expect(ok(r).organizations.totalCount).toBe(0);
  });

  it('createOrganization with a malformed networkId is a VALIDATION error, not a 500', async () => {
    const r = await t.gql(
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code field } } }`,
      {
        i: {
          name: 'Malformed network member',
          kind: 'HOSPITAL',
          stateCode: 'US-OH',
          ehrPlatformCode: 'EPIC',
          networkId: 'nope',
        },
      },
    );
    expect(ok(r).createOrganization.userErrors).toEqual([{ code: 'VALIDATION', field: 'input.networkId' }]);
  });

  it('createApiKey (operator) with a malformed organizationId is not found, not a 500', async () => {
    const r = await t.gql(
      `mutation { createApiKey(input: { organizationId: "nope", role: SALES, label: "x" }) { secret userErrors { code } } }`,
    );
    expect(errorCode(r)).toBe('NOT_FOUND');
  });

  it('createOffering (operator) with a malformed providerId is not found, not a 500', async () => {
    const r = await t.gql(
      `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code } } }`,
      { i: { ...offeringInput(), providerId: 'nope' } },
    );
    expect(errorCode(r)).toBe('NOT_FOUND');
  });
});
