// The audit trail: one event per change, in the same transaction, and PostgreSQL refuses to rewrite it.
import { ok, startTestApi, type TestApi } from './support/api';
import { createOffering, provider } from './support/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

describe('audit trail', () => {
  it('records who changed what, before and after, with the request id', async () => {
    const p = await provider(t);
    const id = await createOffering(t, p.key, {}, false);
    const res = await t.gql(`mutation { publishOffering(input: { id: "${id}" }) { offering { status } } }`, {}, p.key);
    const requestId = res.headers.get('x-request-id');
    const d = ok(
      await t.gql(
        `query($id: ID!) { auditTrail(entityId: $id, first: 1) { edges { node { action entityType entityId changes requestId actor { apiKeyId role organizationId } } } } }`,
        { id },
        p.key,
      ),
    );
    const viewer = ok(await t.gql('{ viewer { apiKeyId } }', {}, p.key)).viewer;
    expect(d.auditTrail.edges[0].node).toEqual({
      action: 'offering.published',
      entityType: 'Offering',
      entityId: id,
      changes: { before: { status: 'DRAFT' }, after: { status: 'PUBLISHED' } },
      requestId,
      actor: { apiKeyId: viewer.apiKeyId, role: 'ADMIN', organizationId: p.id },
    });
  });

  it('writes no event when a mutation is refused', async () => {
    const p = await provider(t);
    const id = await createOffering(t, p.key);
    const [before] = await t.sql('select count(*)::int as n from audit_event');
    const r = ok(
      await t.gql(`mutation { publishOffering(input: { id: "${id}" }) { userErrors { code } } }`, {}, p.key),
    );
    expect(r.publishOffering.userErrors[0].code).toBe('INVALID_TRANSITION');
    const [after] = await t.sql('select count(*)::int as n from audit_event');
    expect(after.n).toBe(before.n);
  });

  it('is append-only in PostgreSQL itself: UPDATE, DELETE and TRUNCATE fail', async () => {
    await provider(t);
    await expect(t.sql(`update audit_event set action = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`delete from audit_event`)).rejects.toThrow(/append-only/);
    // The outbox and webhook deliveries reference audit events, so a plain TRUNCATE is refused by
    // their foreign keys first; with CASCADE the append-only trigger refuses it.
    await expect(t.sql(`truncate audit_event`)).rejects.toThrow(/append-only|foreign key/);
    await expect(t.sql(`truncate audit_event cascade`)).rejects.toThrow(/append-only/);
    const [row] = await t.sql(`select count(*)::int as n from audit_event where action = 'forged'`);
    expect(row.n).toBe(0);
  });
});
