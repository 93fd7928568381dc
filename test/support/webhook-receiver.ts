// A local webhook receiver for tests: records every request; `answer(n)` gives the HTTP status of its n-th (1-based).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The JSON body a webhook receiver gets (src/webhooks/webhook.delivery.ts, deliveryBody). */
export interface WebhookBody {
  /** The event id, the same on every retry. */
  id: string;
  type: string;
  occurredAt: string;
  entityType: string;
  entityId: string;
  data: { [key: string]: unknown };
}

/** A received request's body, parsed. */
export const bodyOf = (r: { body: string }): WebhookBody => JSON.parse(r.body);

export async function receiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body });
      res.statusCode = answer(received.length);
      res.end(res.statusCode >= 300 ? 'receiver is down' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/exchange`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
