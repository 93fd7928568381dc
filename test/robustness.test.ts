// Robustness: malformed but valid-shaped requests are client errors, never a 500.
import { errorCode, gql, ok, startTestApi, type TestApi } from './support/api';

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
        headers: { 'content-type': 'application/json', authorization: `Bearer ${(await import('./support/api')).OPERATOR_KEY}` },
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
        headers: { 'content-type': 'application/json', authorization: `Bearer ${(await import('./support/api')).OPERATOR_KEY}` },
        body: JSON.stringify({ query: twoOps, operationName: 'B' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { ehrPlatforms: unknown[] } };
      expect(body.data.ehrPlatforms.length).toBeGreaterThan(0);
    }
    expect(ok(await t.gql(`{ viewer { role } }`)).viewer.role).toBe('OPERATOR');
  });
});
