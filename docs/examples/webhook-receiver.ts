// A complete webhook receiver for the Health Services Exchange (docs/integrations.md; test/integration-receiver.test.ts runs it).
//   npm install standardwebhooks
//   HSX_WEBHOOK_SECRET=whsec_... HSX_API_KEY=... PORT=8787 npx tsx webhook-receiver.ts
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

/** What the exchange sends (the webhook body) and what `events(after:)` returns: the same event, the same id. */
export interface ExchangeEvent {
  id: string;
  type: string;
  occurredAt: string;
  entityType: string;
  entityId: string;
  data: { before: unknown; after: unknown };
}

/** Where processed event ids are kept (use your database in production: deliveries are at least once). */
export interface SeenStore {
  has(id: string): boolean | Promise<boolean>;
  add(id: string): unknown;
}

export interface ReceiverOptions {
  /** The webhook's `whsec_...` secret (createWebhook or rotateWebhookSecret showed it once). */
  secret: string;
  /** Your work for one event; throw to have the exchange retry the delivery later. */
  handle: (event: ExchangeEvent) => void | Promise<void>;
  seen?: SeenStore;
}

/** An HTTP server that verifies each delivery, processes each event once and answers 204. */
export function createReceiver({ secret, handle, seen = new Set<string>() }: ReceiverOptions): http.Server {
  const webhook = new Webhook(secret);
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      let event: ExchangeEvent;
      try {
        // The raw body as received, with the webhook-id, webhook-timestamp and webhook-signature headers:
        // a wrong signature or a timestamp more than 5 minutes away (a replay) throws.
        event = webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as ExchangeEvent;
      } catch {
        res.writeHead(401).end();
        return;
      }
      try {
        if (!(await seen.has(event.id))) {
          await handle(event);
          await seen.add(event.id);
        }
        res.writeHead(204).end();
      } catch {
        res.writeHead(500).end(); // the exchange retries with backoff
      }
    });
  });
}

/**
 * Catches up from the pull API: every event after `after` (a cursor you stored, or null for the
 * beginning), page by page, each processed once. Returns the cursor to store for next time.
 */
export async function catchUp(o: { apiUrl: string; apiKey: string; after: string | null; handle: ReceiverOptions['handle']; seen: SeenStore; types?: string[] }): Promise<string | null> {
  const query = `query($after: String, $types: [String!]) {
    events(after: $after, types: $types, first: 100) { edges { node { id type occurredAt entityType entityId data } } pageInfo { hasNextPage endCursor } }
  }`;
  let cursor = o.after;
  for (;;) {
    const res = await fetch(o.apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` },
      body: JSON.stringify({ query, variables: { after: cursor, types: o.types ?? null } }),
    });
    const { data, errors } = (await res.json()) as { data?: { events: { edges: { node: ExchangeEvent }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }; errors?: { message: string }[] };
    if (errors?.length || !data) throw new Error(errors?.[0]?.message ?? `HTTP ${res.status}`);
    for (const { node } of data.events.edges) {
      if (!(await o.seen.has(node.id))) {
        await o.handle(node);
        await o.seen.add(node.id);
      }
    }
    cursor = data.events.pageInfo.endCursor ?? cursor; // an empty page keeps the cursor
    if (!data.events.pageInfo.hasNextPage) return cursor;
  }
}

if (require.main === module) {
  const seen = new Set<string>();
  const handle = (e: ExchangeEvent) => console.log(e.occurredAt, e.type, e.entityType, e.entityId);
  // On start, replay what happened while the receiver was down; then take deliveries as they come.
  catchUp({ apiUrl: process.env.HSX_API_URL ?? 'http://localhost:4000/graphql', apiKey: process.env.HSX_API_KEY!, after: process.env.HSX_CURSOR ?? null, handle, seen })
    .then((cursor) => console.log('caught up; cursor', cursor))
    .catch((e) => console.error('catch-up failed', e));
  createReceiver({ secret: process.env.HSX_WEBHOOK_SECRET!, handle, seen }).listen(Number(process.env.PORT ?? 8787));
}
