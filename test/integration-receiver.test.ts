// The receiver of docs/integrations.md (docs/examples/webhook-receiver.ts), run as written against a
// real API: it verifies deliveries with standardwebhooks, processes each event once (a redelivery is
// skipped), and catches up from events(after:) with the same event ids.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { catchUp, createReceiver, type ExchangeEvent } from '../docs/examples/webhook-receiver';
import { ok, startTestApi, type TestApi } from './support/api';
import { buyer, createNeed } from './support/fixtures';
import { waitFor } from './support/server-process';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', EVENTS_POLL_MS: '50' });
});
afterAll(() => t.close());

it('docs/integrations.md shows the receiver exactly as the tests run it', () => {
  const root = path.join(__dirname, '..');
  const example = readFileSync(path.join(root, 'docs/examples/webhook-receiver.ts'), 'utf8');
  expect(readFileSync(path.join(root, 'docs/integrations.md'), 'utf8')).toContain(example.trim());
});

it('verifies, deduplicates and catches up', async () => {
  const hospital = await buyer(t);
  const handled: ExchangeEvent[] = [];
  const seen = new Set<string>();
  const created = ok(
    await t.gql(
      `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } secret } }`,
      { i: { url: 'http://127.0.0.1:1/x', events: ['need.*'] } },
      hospital.key,
    ),
  ).createWebhook;
  const server = createReceiver({ secret: created.secret!, handle: (e) => void handled.push(e), seen });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exchange`;
    ok(
      await t.gql(
        `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { userErrors { message } } }`,
        { i: { id: created.webhook!.id, url } },
        hospital.key,
      ),
    );
    const needId = await createNeed(t, hospital.key);
    await waitFor('the event to be handled', async () => (handled.length ? true : undefined));
    expect(handled[0]).toMatchObject({ type: 'need.created', entityId: needId });

    // A redelivery (the same event id) is answered but not processed twice.
    const [delivery] = await waitFor('a succeeded delivery', async () => {
      const log = ok(
        await t.gql(
          `query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { id status } } } }`,
          { id: created.webhook!.id },
          hospital.key,
        ),
      ).webhookDeliveries.edges.map((e) => e.node);
      return log[0]?.status === 'SUCCEEDED' ? log : undefined;
    });
    ok(
      await t.gql(
        `mutation($i: RedeliverWebhookDeliveryInput!) { redeliverWebhookDelivery(input: $i) { userErrors { message } } }`,
        { i: { id: delivery.id } },
        hospital.key,
      ),
    );
    await waitFor('the redelivery to succeed', async () => {
      const log = ok(
        await t.gql(
          `query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { id status attempts } } } }`,
          { id: created.webhook!.id },
          hospital.key,
        ),
      ).webhookDeliveries.edges.map((e) => e.node);
      return log[0]?.status === 'SUCCEEDED' && log[0].attempts === 1 ? true : undefined;
    });
    expect(handled).toHaveLength(1);

    // Catching up from the beginning: the same event (same id) is skipped, a missed one is processed.
    const missed = await createNeed(t, hospital.key);
    await t.sql(`update webhook set active = false where id = $1`, [created.webhook!.id]); // as if the receiver had been down
    const cursor = await waitFor('both events in the stream', async () => {
      const before = handled.length;
      const c = await catchUp({
        apiUrl: t.url,
        apiKey: hospital.key,
        after: null,
        handle: (e) => void handled.push(e),
        seen,
        types: ['need.*'],
      });
      return handled.length > before || handled.some((e) => e.entityId === missed) ? c : undefined;
    });
    expect(handled.map((e) => e.entityId)).toEqual([needId, missed]);
    expect(cursor).toEqual(expect.any(String));
    // From the stored cursor there is nothing more.
    expect(
      await catchUp({ apiUrl: t.url, apiKey: hospital.key, after: cursor, handle: (e) => void handled.push(e), seen }),
    ).toBe(cursor);
    expect(handled).toHaveLength(2);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
