// How deliveries are signed: HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret, sent as
// `X-Exchange-Signature: sha256=<hex>` next to `X-Exchange-Timestamp: <unix seconds>`. Receivers
// recompute it and refuse stale timestamps, which stops replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-exchange-signature';
export const TIMESTAMP_HEADER = 'x-exchange-timestamp';

export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's check (also shown in docs/integrations.md): right signature and a timestamp within `toleranceSeconds`. */
export function verifyDelivery(secret: string, signature: string | undefined, timestamp: string | undefined, body: string, toleranceSeconds = 300, now = Date.now()): boolean {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signDelivery(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
