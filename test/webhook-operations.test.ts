// The webhook contract a network expects: Standard Webhooks signatures verified by the
// `standardwebhooks` package as a receiver would, secret rotation with an overlap, updates, pings,
// redeliveries, and market-wide new demand for sellers. Each with its tenancy and bad-input cases.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import { buyer, createKey, createNeed, createOrg, provider } from './support/fixtures';
import { sleep, waitFor } from './support/server-process';
import { bodyOf, receiver, type Received, type WebhookBody } from './support/webhook-receiver';

const WEBHOOK = `id url events active rotationEndsAt demand { categoryCodes regionCodes } organization { id }`;
const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { ${WEBHOOK} } secret userErrors { code field message } } }`;
const UPDATE = `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { ${WEBHOOK} } userErrors { code field message } } }`;
const ROTATE = `mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) { webhook { ${WEBHOOK} } secret userErrors { code field message } } }`;
const DELIVERY = `id eventId event status attempts lastStatusCode deliveredAt`;
const PING = `mutation($i: PingWebhookInput!) { pingWebhook(input: $i) { delivery { ${DELIVERY} } userErrors { code field message } } }`;
const REDELIVER = `mutation($i: RedeliverWebhookDeliveryInput!) { redeliverWebhookDelivery(input: $i) { delivery { ${DELIVERY} } userErrors { code field message } } }`;
const DELIVERIES = `query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { ${DELIVERY} } } } }`;
const MISSING = '00000000-0000-4000-8000-00000000dead';

const verify = (secret: string, r: Received) =>
  new StandardWebhook(secret).verify(r.body, r.headers as Record<string, string>) as WebhookBody;
const verifies = (secret: string, r: Received) => {
  try {
    verify(secret, r);
    return true;
  } catch {
    return false;
  }
};

async function create(t: TestApi, key: string, input: Record<string, unknown>) {
  const r = ok(await t.gql(CREATE, { i: input }, key)).createWebhook;
  if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
  return { id: r.webhook!.id as string, secret: r.secret as string, webhook: r.webhook };
}
const deliveriesOf = async (t: TestApi, key: string, id: string) =>
  ok(await t.gql(DELIVERIES, { id }, key)).webhookDeliveries.edges.map((e) => e.node);
const storedSecret = async (t: TestApi, id: string) =>
  (await t.sql('select secret, previous_secret, previous_secret_expires_at from webhook where id = $1', [id]))[0];

/** Not yours reads exactly as missing: the same NOT_FOUND error as for an id that does not exist. */
async function expectNotFoundLikeMissing(t: TestApi, query: string, input: Record<string, unknown>, key: string) {
  const foreign = await t.gql(query, { i: input }, key);
  const missing = await t.gql(query, { i: { ...input, id: MISSING } }, key);
  expect(errorCode(foreign)).toBe('NOT_FOUND');
  expect(foreign.errors![0].message).toBe(missing.errors![0].message);
}

describe('webhook operations (local receivers, private targets allowed)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      EVENTS_POLL_MS: '50',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
    });
  });
  afterAll(() => t.close());

  it('signs deliveries as Standard Webhooks: a receiver verifies them with the standardwebhooks package', async () => {
    const hook = await receiver();
    try {
      const hospital = await buyer(t);
      const { id, secret } = await create(t, hospital.key, { url: hook.url, events: ['need.created'] });
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/); // generated, shown once
      const needId = await createNeed(t, hospital.key);
      const [r] = await waitFor('the delivery', async () => (hook.received.length ? hook.received : undefined));

      const event = verify(secret, r);
      expect(event).toMatchObject({ type: 'need.created', entityId: needId });
      expect(r.headers['webhook-id']).toBe(event.id);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      // A wrong secret, a changed body or a replayed old timestamp do not verify.
      expect(verifies(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, r)).toBe(false);
      expect(verifies(secret, { ...r, body: r.body.replace('need.created', 'need.cancelled') })).toBe(false);
      expect(
        verifies(secret, {
          ...r,
          headers: { ...r.headers, 'webhook-timestamp': String(Number(r.headers['webhook-timestamp']) - 600) },
        }),
      ).toBe(false);
      // The delivery log shows the event id sent as webhook-id.
      const [log] = await waitFor('the log', async () =>
        (await deliveriesOf(t, hospital.key, id))[0]?.status === 'SUCCEEDED'
          ? deliveriesOf(t, hospital.key, id)
          : undefined,
      );
      expect(log.eventId).toBe(event.id);
    } finally {
      await hook.close();
    }
  });

  it('refuses a malformed whsec_ secret and accepts one of your own', async () => {
    const hospital = await buyer(t);
    const bad = ok(
      await t.gql(
        CREATE,
        { i: { url: 'http://127.0.0.1:9/x', events: ['need.created'], secret: 'whsec_not base64!' } },
        hospital.key,
      ),
    ).createWebhook;
    expect(bad.userErrors).toEqual([
      {
        code: 'VALIDATION',
        field: 'input.secret',
        message: expect.stringMatching(/whsec_ followed by 24 to 64 bytes in base64/),
      },
    ]);
    const own = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    const good = ok(
      await t.gql(CREATE, { i: { url: 'http://127.0.0.1:9/x', events: ['need.created'], secret: own } }, hospital.key),
    ).createWebhook;
    expect(good).toMatchObject({ secret: null, userErrors: [] });
  });

  it('rotates a secret with an overlap (both sign), refuses a rotation during a rotation, and drops old secrets at once with overlapSeconds 0', async () => {
    const hook = await receiver();
    try {
      const hospital = await buyer(t);
      const other = await buyer(t);
      const { id, secret: first } = await create(t, hospital.key, { url: hook.url, events: ['need.created'] });

      // Not yours: not found, nothing changed.
      const before = await storedSecret(t, id);
      await expectNotFoundLikeMissing(t, ROTATE, { id }, other.key);
      expect(await storedSecret(t, id)).toEqual(before);

      const rotated = ok(await t.gql(ROTATE, { i: { id } }, hospital.key)).rotateWebhookSecret;
      expect(rotated.userErrors).toEqual([]);
      const second = rotated.secret as string;
      expect(second).toMatch(/^whsec_/);
      expect(second).not.toBe(first);
      const ends = new Date(rotated.webhook!.rotationEndsAt!).getTime();
      expect(Math.abs(ends - (Date.now() + 24 * 3600_000))).toBeLessThan(60_000);

      await createNeed(t, hospital.key);
      const [during] = await waitFor('a delivery during the overlap', async () =>
        hook.received.length ? hook.received : undefined,
      );
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verifies(first, during)).toBe(true); // receivers still on the old secret
      expect(verifies(second, during)).toBe(true); // and those already switched

      // A rotation during a rotation: a clear error, nothing changed.
      const stored = await storedSecret(t, id);
      const again = ok(await t.gql(ROTATE, { i: { id, overlapSeconds: 3600 } }, hospital.key)).rotateWebhookSecret;
      expect(again.webhook).toBeNull();
      expect(again.secret).toBeNull();
      expect(again.userErrors).toEqual([
        {
          code: 'INVALID_TRANSITION',
          field: 'input.id',
          message: expect.stringMatching(/rotation is in progress until .*overlapSeconds: 0/),
        },
      ]);
      expect(await storedSecret(t, id)).toEqual(stored);
      // Bad overlap: a clear error, nothing changed.
      const negative = ok(await t.gql(ROTATE, { i: { id, overlapSeconds: -1 } }, hospital.key)).rotateWebhookSecret;
      expect(negative.userErrors).toEqual([
        { code: 'VALIDATION', field: 'input.overlapSeconds', message: 'overlapSeconds must be 0 to 604800.' },
      ]);
      expect(await storedSecret(t, id)).toEqual(stored);

      // A leaked secret: rotate with no overlap, the old ones stop signing at once.
      const leaked = ok(await t.gql(ROTATE, { i: { id, overlapSeconds: 0 } }, hospital.key)).rotateWebhookSecret;
      expect(leaked.userErrors).toEqual([]);
      expect(leaked.webhook!.rotationEndsAt).toBeNull();
      const third = leaked.secret as string;
      await createNeed(t, hospital.key);
      const [, after] = await waitFor('a delivery after the rotation', async () =>
        hook.received.length >= 2 ? hook.received : undefined,
      );
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(verifies(third, after)).toBe(true);
      expect(verifies(second, after)).toBe(false);
      expect(verifies(first, after)).toBe(false);
      // Rotations are audited, without the secrets.
      const trail = ok(
        await t.gql(
          `query($id: ID) { auditTrail(entityId: $id) { edges { node { action changes } } } }`,
          { id },
          hospital.key,
        ),
      ).auditTrail.edges.map((e) => e.node);
      expect(trail.filter((e) => e.action === 'webhook.secretRotated')).toHaveLength(2);
      for (const s of [first, second, third]) expect(JSON.stringify(trail)).not.toContain(s.slice(6));
    } finally {
      await hook.close();
    }
  });

  it('updates url, events and active; a paused webhook queues nothing', async () => {
    const oldHook = await receiver();
    const newHook = await receiver();
    try {
      const hospital = await buyer(t);
      const other = await buyer(t);
      const { id } = await create(t, hospital.key, { url: oldHook.url, events: ['quote.accepted'] });

      await expectNotFoundLikeMissing(t, UPDATE, { id, active: false }, other.key);
      const unknown = ok(await t.gql(UPDATE, { i: { id, events: ['need.teleported'] } }, hospital.key)).updateWebhook;
      expect(unknown.userErrors).toEqual([
        {
          code: 'VALIDATION',
          field: 'input.events',
          message: 'Unknown event type "need.teleported"; see webhookEventTypes.',
        },
      ]);

      const updated = ok(
        await t.gql(UPDATE, { i: { id, url: newHook.url, events: ['need.created'] } }, hospital.key),
      ).updateWebhook;
      expect(updated).toMatchObject({
        userErrors: [],
        webhook: { id, url: newHook.url, events: ['need.created'], active: true },
      });
      const needId = await createNeed(t, hospital.key);
      await waitFor('the delivery at the new url', async () => (newHook.received.length ? true : undefined));
      expect(bodyOf(newHook.received[0]).entityId).toBe(needId);
      expect(oldHook.received).toEqual([]);

      // Paused: events meanwhile are not queued (positive control above).
      expect(ok(await t.gql(UPDATE, { i: { id, active: false } }, hospital.key)).updateWebhook.webhook!.active).toBe(
        false,
      );
      await createNeed(t, hospital.key);
      await sleep(600);
      expect(newHook.received).toHaveLength(1);
      expect(await deliveriesOf(t, hospital.key, id)).toHaveLength(1);
      // Resumed: the next event is delivered.
      expect(ok(await t.gql(UPDATE, { i: { id, active: true } }, hospital.key)).updateWebhook.webhook!.active).toBe(
        true,
      );
      await createNeed(t, hospital.key);
      await waitFor('the delivery after resuming', async () => (newHook.received.length === 2 ? true : undefined));
      const trail = ok(
        await t.gql(`query($id: ID) { auditTrail(entityId: $id) { edges { node { action } } } }`, { id }, hospital.key),
      ).auditTrail.edges.map((e) => e.node.action);
      expect(trail.filter((a: string) => a === 'webhook.updated')).toHaveLength(3);
    } finally {
      await oldHook.close();
      await newHook.close();
    }
  });

  it('pings a webhook with a test event', async () => {
    const hook = await receiver();
    try {
      const hospital = await buyer(t);
      const other = await buyer(t);
      const { id, secret } = await create(t, hospital.key, { url: hook.url, events: ['engagement.completed'] });
      await expectNotFoundLikeMissing(t, PING, { id }, other.key);
      const ping = ok(await t.gql(PING, { i: { id } }, hospital.key)).pingWebhook;
      expect(ping).toMatchObject({
        userErrors: [],
        delivery: { event: 'webhook.ping', status: 'PENDING', attempts: 0 },
      });
      const [r] = await waitFor('the ping', async () => (hook.received.length ? hook.received : undefined));
      expect(verify(secret, r)).toMatchObject({
        id: ping.delivery!.eventId,
        type: 'webhook.ping',
        entityType: 'Webhook',
        entityId: id,
      });
      expect(hook.received).toHaveLength(1); // the other organization's attempt sent nothing
      await waitFor('the ping to be logged', async () =>
        (await deliveriesOf(t, hospital.key, id)).some((d) => d.id === ping.delivery!.id && d.status === 'SUCCEEDED')
          ? true
          : undefined,
      );
      // A paused webhook is not pinged.
      ok(await t.gql(UPDATE, { i: { id, active: false } }, hospital.key));
      expect(ok(await t.gql(PING, { i: { id } }, hospital.key)).pingWebhook.userErrors).toEqual([
        { code: 'INVALID_TRANSITION', field: 'input.id', message: expect.stringMatching(/paused/) },
      ]);
    } finally {
      await hook.close();
    }
  });

  it('redelivers a past delivery with the same event id; not for another organization, not while pending', async () => {
    const hook = await receiver((n) => (n === 1 ? 500 : 200));
    try {
      const hospital = await buyer(t);
      const other = await buyer(t);
      const { id, secret } = await create(t, hospital.key, { url: hook.url, events: ['need.created'] });
      await createNeed(t, hospital.key);
      const [done] = await waitFor('the delivery to succeed on its retry', async () => {
        const log = await deliveriesOf(t, hospital.key, id);
        return log[0]?.status === 'SUCCEEDED' ? log : undefined;
      });
      expect(done.attempts).toBe(2);

      // Another organization's delivery reads as missing and is left alone.
      await expectNotFoundLikeMissing(t, REDELIVER, { id: done.id }, other.key);
      expect((await deliveriesOf(t, hospital.key, id))[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
      expect(hook.received).toHaveLength(2);

      const again = ok(await t.gql(REDELIVER, { i: { id: done.id } }, hospital.key)).redeliverWebhookDelivery;
      expect(again).toMatchObject({
        userErrors: [],
        delivery: { id: done.id, eventId: done.eventId, status: 'PENDING', attempts: 0, deliveredAt: null },
      });
      // While it is pending, a second redelivery is refused.
      const twice = ok(await t.gql(REDELIVER, { i: { id: done.id } }, hospital.key)).redeliverWebhookDelivery;
      if (twice.userErrors.length)
        expect(twice.userErrors).toEqual([
          { code: 'INVALID_TRANSITION', field: 'input.id', message: expect.stringMatching(/pending/) },
        ]);
      await waitFor('the redelivery', async () => (hook.received.length >= 3 ? true : undefined));
      const third = hook.received[2];
      expect(third.headers['webhook-id']).toBe(done.eventId); // the same event: receivers deduplicate on it
      expect(verify(secret, third).id).toBe(done.eventId);
      expect(third.headers['x-exchange-attempt']).toBe('1');
    } finally {
      await hook.close();
    }
  });

  it('re-checks at every attempt that the organization may still read the event: a network that lost its member gets no redelivery (FAILED, not sent)', async () => {
    const hook = await receiver();
    try {
      const network = await createOrg(t, { kind: 'NETWORK' });
      const member = await buyer(t, { networkId: network });
      const networkKey = await createKey(t, network, 'INTEGRATION');
      const { id } = await create(t, networkKey, { url: hook.url, events: ['need.created'] });
      await createNeed(t, member.key); // the network reads its member's buying side
      const [done] = await waitFor('the delivery', async () => {
        const log = await deliveriesOf(t, networkKey, id);
        return log[0]?.status === 'SUCCEEDED' ? log : undefined;
      });
      // Positive control: redelivered while the hospital is a member, it is sent again.
      ok(await t.gql(REDELIVER, { i: { id: done.id } }, networkKey));
      await waitFor('the redelivery', async () => (hook.received.length >= 2 ? true : undefined));
      await waitFor('it to be recorded', async () =>
        (await deliveriesOf(t, networkKey, id))[0]?.status === 'SUCCEEDED' ? true : undefined,
      );
      ok(
        await t.gql(
          `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { userErrors { code } } }`,
          { i: { id: member.id, networkId: null } },
        ),
      );
      ok(await t.gql(REDELIVER, { i: { id: done.id } }, networkKey));
      const failed = await waitFor('the refused redelivery', async () => {
        const [d] = await t.sql<{ status: string; last_error: string | null }>(
          `select status, last_error from webhook_delivery where id = $1`,
          [done.id],
        );
        return d.status === 'FAILED' ? d : undefined;
      });
      expect(failed.last_error).toBe('Not sent: the organization may no longer read this event.');
      await sleep(300);
      expect(hook.received).toHaveLength(2);
    } finally {
      await hook.close();
    }
  });

  it("delivers new demand market-wide to a seller's webhook, public fields only, in the chosen categories and regions", async () => {
    const sellerHook = await receiver();
    const buyerHook = await receiver();
    try {
      const seller = await provider(t);
      const hospital = await buyer(t);
      const { webhook } = await create(t, seller.key, {
        url: sellerHook.url,
        events: ['need.created'],
        demand: { categoryCodes: ['REVENUE_CYCLE'], regionCodes: ['HHS-5'] },
      });
      expect(webhook!.demand).toEqual({ categoryCodes: ['REVENUE_CYCLE'], regionCodes: ['HHS-5'] });
      await create(t, hospital.key, { url: buyerHook.url, events: ['need.created'] });

      const elsewhere = await createNeed(t, hospital.key, { regionCode: 'US-CA' }); // HHS-9
      const otherCategory = await createNeed(t, hospital.key, { categoryCode: 'MEDICAL_CODING' });
      const matching = await createNeed(t, hospital.key, {
        regionCode: 'US-OH',
        maxUnitPrice: '6.00',
        notes: 'budget is tight',
      });
      await waitFor('the buyer to receive all three', async () => (buyerHook.received.length === 3 ? true : undefined));
      await waitFor('the seller to receive the matching need', async () =>
        sellerHook.received.length ? true : undefined,
      );
      await sleep(300);
      expect(sellerHook.received).toHaveLength(1);
      const seen = bodyOf(sellerHook.received[0]);
      expect(seen).toMatchObject({
        type: 'need.created',
        entityId: matching,
        data: { before: null, after: { categoryCode: 'REVENUE_CYCLE', regionCode: 'US-OH', status: 'OPEN' } },
      });
      expect(seen.data.after).not.toHaveProperty('maxUnitPrice');
      expect(seen.data.after).not.toHaveProperty('notes');
      // The buyer's own webhook gets its need in full.
      const own = buyerHook.received.map((r) => bodyOf(r)).find((e) => e.entityId === matching);
      expect(own!.data.after).toMatchObject({ maxUnitPrice: '6.00', notes: 'budget is tight' });
      expect(new Set(buyerHook.received.map((r) => bodyOf(r).entityId))).toEqual(
        new Set([elsewhere, otherCategory, matching]),
      );

      // Bad demand: clear errors, nothing created.
      const bad = ok(
        await t.gql(
          CREATE,
          { i: { url: sellerHook.url, events: ['quote.accepted'], demand: { categoryCodes: ['NOPE'] } } },
          seller.key,
        ),
      ).createWebhook;
      expect(bad.webhook).toBeNull();
      expect(bad.userErrors).toEqual([
        { code: 'VALIDATION', field: 'input.demand.categoryCodes', message: 'Unknown service category code "NOPE".' },
        { code: 'VALIDATION', field: 'input.demand', message: expect.stringMatching(/add need.created/) },
      ]);
    } finally {
      await sellerHook.close();
      await buyerHook.close();
    }
  });
});

describe('webhook updates are checked as creation is (default configuration: private targets refused)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ EVENTS_POLL_MS: '0' });
  });
  afterAll(() => t.close());

  it.each([
    ['http://127.0.0.1/hook', /private, loopback or link-local/],
    ['http://169.254.169.254/latest/meta-data/', /private, loopback or link-local/],
    ['https://no-such-host.invalid/hook', /does not resolve/],
    ['ftp://files.example.org/hook', /must start with https:\/\/ or http:\/\//],
  ])('refuses an update to %s and changes nothing', async (url, message) => {
    const owner = await buyer(t);
    const { id } = await create(t, owner.key, {
      url: 'https://93.184.215.14/hooks/exchange',
      events: ['need.created'],
    });
    const r = ok(await t.gql(UPDATE, { i: { id, url, events: ['quote.accepted'] } }, owner.key)).updateWebhook;
    expect(r.webhook).toBeNull();
    expect(r.userErrors).toEqual([{ code: 'VALIDATION', field: 'input.url', message: expect.stringMatching(message) }]);
    expect(await t.sql('select url, events from webhook where id = $1', [id])).toEqual([
      { url: 'https://93.184.215.14/hooks/exchange', events: ['need.created'] },
    ]);
  });
});
