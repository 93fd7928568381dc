// Behind a load balancer every request comes from the balancer's address: per-IP limits must count
// the client it forwards (X-Forwarded-For), and only when the operator trusts that proxy
// (TRUST_PROXY), over HTTP and over WebSocket alike. These tests talk to the API from 127.0.0.1: a
// loopback proxy is trusted by default, and not when TRUST_PROXY names another proxy.
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadConfig } from '../src/config';
import { startTestApi, type TestApi } from './support/api';
import { provider } from './support/fixtures';

const LIMITS = { RATE_LIMIT_IP_PER_MINUTE: '2', SUBSCRIPTIONS_PER_IP: '1', REDIS_URL: '' }; // in-memory counts: this file's own
let trusted: TestApi;
let untrusted: TestApi;
const clients: Client[] = [];
beforeAll(async () => {
  trusted = await startTestApi(LIMITS);
  untrusted = await startTestApi({ ...LIMITS, TRUST_PROXY: '10.255.255.1' });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await trusted?.close();
  await untrusted?.close();
});

/** Anonymous POSTs, each from a different forwarded client: their HTTP statuses. */
async function anonymousFrom(t: TestApi, clients: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const ip of clients) {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    statuses.push(res.status);
  }
  return statuses;
}

/** A subscription from a forwarded client: resolves with the error code it ended with, or 'open' once it is running. */
function subscribeFrom(t: TestApi, key: string, ip: string): Promise<string> {
  class ForwardedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { 'x-forwarded-for': ip } });
    }
  }
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: ForwardedWebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  return new Promise((resolve) => {
    client.subscribe(
      { query: 'subscription { needEvents { need { id } } }' },
      {
        next: () => {},
        error: (e) => {
          const errors = e as { extensions?: { code?: string } }[];
          resolve(Array.isArray(errors) ? String(errors[0]?.extensions?.code) : String(e));
        },
        complete: () => resolve('complete'),
      },
    );
    // A subscription that is accepted stays open without answering: give the refusal time to arrive.
    setTimeout(() => resolve('open'), 1500);
  });
}

describe('HTTP: the per-IP rate limit of requests without a key', () => {
  it('counts each forwarded client on its own when the proxy is trusted (loopback, the default)', async () => {
    expect(await anonymousFrom(trusted, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([401, 401, 401]);
    // Positive control: one client over its limit is refused.
    expect(await anonymousFrom(trusted, ['203.0.113.9', '203.0.113.9', '203.0.113.9'])).toEqual([401, 401, 429]);
  });

  it('ignores X-Forwarded-For from a proxy that is not trusted: every request counts against the sender', async () => {
    expect(await anonymousFrom(untrusted, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([401, 401, 429]);
  });
});

describe('WebSocket: the per-IP cap of open subscriptions', () => {
  it('caps each forwarded client on its own when the proxy is trusted', async () => {
    const p = await provider(trusted);
    expect(await subscribeFrom(trusted, p.key, '198.51.100.1')).toBe('open');
    expect(await subscribeFrom(trusted, p.key, '198.51.100.2')).toBe('open');
    // Positive control: the same client's second subscription is over the cap.
    expect(await subscribeFrom(trusted, p.key, '198.51.100.1')).toBe('RATE_LIMITED');
  });

  it('counts the sender when the proxy is not trusted', async () => {
    const p = await provider(untrusted);
    expect(await subscribeFrom(untrusted, p.key, '198.51.100.1')).toBe('open');
    expect(await subscribeFrom(untrusted, p.key, '198.51.100.2')).toBe('RATE_LIMITED');
  });
});

it('refuses a TRUST_PROXY it cannot read, naming the variable', () => {
  expect(() => loadConfig({ NODE_ENV: 'test', TRUST_PROXY: 'loopback, not-an-address' })).toThrow(/TRUST_PROXY/);
  expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: 'loopback, uniquelocal, 10.0.0.0/8' }).TRUST_PROXY).toBe(
    'loopback, uniquelocal, 10.0.0.0/8',
  );
});
