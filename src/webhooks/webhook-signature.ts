// How deliveries are signed: the Standard Webhooks specification (https://www.standardwebhooks.com).
//   webhook-id:        the event id (the same on every retry and redelivery: receivers deduplicate on it)
//   webhook-timestamp: Unix seconds when this attempt was signed (receivers refuse stale ones: replays)
//   webhook-signature: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret in use,
//                      space separated (two while a secret rotation overlaps)
// The key is the base64 part of a `whsec_...` secret, or, for a secret chosen before this contract
// (any other string), its UTF-8 bytes (receivers pass `{ format: 'raw' }` to the standardwebhooks library).
// Deprecated, kept for one release: `X-Exchange-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`
// with `X-Exchange-Timestamp`, signed with the current secret only.
import { createHmac, randomBytes } from 'node:crypto';

export const ID_HEADER = 'webhook-id';
export const TIMESTAMP_HEADER = 'webhook-timestamp';
export const SIGNATURE_HEADER = 'webhook-signature';
/** @deprecated kept for one release; see docs/integrations.md. */
export const LEGACY_SIGNATURE_HEADER = 'x-exchange-signature';
/** @deprecated kept for one release, with LEGACY_SIGNATURE_HEADER. */
export const LEGACY_TIMESTAMP_HEADER = 'x-exchange-timestamp';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new secret: `whsec_` and 32 random bytes in base64. */
export const generateSecret = () => PREFIX + randomBytes(32).toString('base64');

/** Why a secret is refused, or null: `whsec_<base64 of 24-64 bytes>`, or (legacy) any 16 to 200 characters. */
export function secretProblem(secret: string): string | null {
  if (secret.startsWith(PREFIX)) {
    const b64 = secret.slice(PREFIX.length);
    const bytes = BASE64.test(b64) && b64.length % 4 === 0 ? Buffer.from(b64, 'base64').length : 0;
    return bytes >= 24 && bytes <= 64
      ? null
      : 'secret must be whsec_ followed by 24 to 64 bytes in base64 (or leave it out: the exchange generates one).';
  }
  return secret.length >= 16 && secret.length <= 200 ? null : 'secret must be 16 to 200 characters long.';
}

/** The HMAC key of a secret. */
export const signingKey = (secret: string): Buffer =>
  secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');

/** One `v1,<base64>` signature of a delivery. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The signing headers of one attempt: every secret in use signs (the current one first). */
export function signatureHeaders(
  secrets: string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    [ID_HEADER]: id,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
    [LEGACY_TIMESTAMP_HEADER]: String(timestamp),
    [LEGACY_SIGNATURE_HEADER]: `sha256=${createHmac('sha256', secrets[0]).update(`${timestamp}.${body}`).digest('hex')}`,
  };
}
