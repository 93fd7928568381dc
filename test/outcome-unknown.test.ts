// A connection lost after COMMIT was sent: the change may have been applied, and the client is told
// so (OUTCOME_UNKNOWN, retryable, "retry with the same idempotency key"), never "nothing was changed".
import { startTestApi, ok, type TestApi } from './support/api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  // The database ends the session: at COMMIT (a deferred constraint trigger) or at the insert itself.
  await t.sql(`create function lose_connection() returns trigger language plpgsql as $$
    begin perform pg_terminate_backend(pg_backend_pid()); perform pg_sleep(1); return null; end $$`);
  await t.sql(`create constraint trigger lose_at_commit after insert on organization deferrable initially deferred
    for each row when (new.name like 'lose-at-commit%') execute function lose_connection()`);
  await t.sql(`create trigger lose_before_commit after insert on organization
    for each row when (new.name like 'lose-before-commit%') execute function lose_connection()`);
});
afterAll(() => t.close());

const CREATE = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code } } }`;
const input = (name: string) => ({ name, kind: 'HOSPITAL', stateCode: 'US-OH', ehrPlatformCode: 'EPIC' });

it('connection lost during COMMIT: OUTCOME_UNKNOWN, retryable, 503', async () => {
  const r = await t.gql(CREATE, { i: input(`lose-at-commit ${Date.now()}`) });
  expect(r.status).toBe(503);
  expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', retryable: true });
  expect(r.errors?.[0]?.message).toMatch(/may have been applied; retry with the same idempotency key/);
});

it('positive control: connection lost before COMMIT still says nothing was changed', async () => {
  const r = await t.gql(CREATE, { i: input(`lose-before-commit ${Date.now()}`) });
  expect(r.status).toBe(503);
  expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: true });
  expect(r.errors?.[0]?.message).toMatch(/nothing was changed/);
  expect(ok(await t.gql(CREATE, { i: input(`fine ${Date.now()}`) })).createOrganization.userErrors).toEqual([]);
});

it('createOrganization and createOffering take an idempotencyKey: a retry returns the first result, a different input is IDEMPOTENCY_CONFLICT', async () => {
  const i = { ...input(`idem ${Date.now()}`), idempotencyKey: 'org-1' };
  const a = ok(await t.gql(CREATE, { i })).createOrganization;
  const b = ok(await t.gql(CREATE, { i })).createOrganization;
  expect(b.organization!.id).toBe(a.organization!.id);
  expect(ok(await t.gql(CREATE, { i: { ...i, name: `${i.name} other` } })).createOrganization.userErrors).toEqual([
    { code: 'IDEMPOTENCY_CONFLICT' },
  ]);
  const { provider, offeringInput } = await import('./support/fixtures');
  const p = await provider(t);
  const OFFER = `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { offering { id } userErrors { code } } }`;
  const o = { ...offeringInput(), idempotencyKey: 'offering-1' };
  const first = ok(await t.gql(OFFER, { i: o }, p.key)).createOffering.offering!.id;
  expect(ok(await t.gql(OFFER, { i: o }, p.key)).createOffering.offering!.id).toBe(first);
  expect(
    ok(await t.gql(`{ offerings(filter: { providerId: "${p.id}" }) { totalCount } }`, {}, p.key)).offerings.totalCount,
  ).toBe(1);
});
