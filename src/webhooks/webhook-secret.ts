// Webhook secrets at rest. Signing needs the secret itself (a hash would not do), so it is stored
// sealed with AES-256-GCM when WEBHOOK_SECRETS_KEY is configured, and as given otherwise.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const SEALED = 'v1:';
const PLAIN = 'plain:';

const keyOf = (secretsKey: string) => createHash('sha256').update(secretsKey).digest();

export function sealSecret(secret: string, secretsKey: string | undefined): string {
  if (!secretsKey) return PLAIN + secret;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretsKey), iv);
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return SEALED + [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
}

/** The secret in clear; throws when it was sealed with a key this instance does not have. */
export function openSecret(stored: string, secretsKey: string | undefined): string {
  if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
  if (!stored.startsWith(SEALED)) throw new Error('unknown webhook secret format');
  if (!secretsKey) throw new Error('the webhook secret is sealed but WEBHOOK_SECRETS_KEY is not set');
  const [iv, tag, data] = stored.slice(SEALED.length).split('.').map((p) => Buffer.from(p, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secretsKey), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the webhook secret cannot be opened: WEBHOOK_SECRETS_KEY has changed');
  }
}
