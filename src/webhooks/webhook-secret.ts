// Webhook secrets at rest. Signing needs the secret itself (a hash would not do), so it is stored
// sealed with AES-256-GCM: with WEBHOOK_SECRETS_KEY (required in production), or else with a key
// generated once under DATA_DIR. Secrets stored in clear by earlier versions (`plain:`) still open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SEALED = 'v1:';
const PLAIN = 'plain:';

const keyOf = (secretsKey: string) => createHash('sha256').update(secretsKey).digest();

/**
 * The key webhook secrets are sealed with: the configured one, or the one in DATA_DIR/webhook-secrets.key,
 * created on first use (owner-only permissions; created atomically, so instances sharing DATA_DIR agree).
 */
export function resolveSecretsKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.resolve(dataDir, 'webhook-secrets.key');
  mkdirSync(path.dirname(file), { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file); // fails when another instance made it first: then theirs is used
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(draft);
  }
  return readFileSync(file, 'utf8').trim();
}

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
  const [iv, tag, data] = stored
    .slice(SEALED.length)
    .split('.')
    .map((p) => Buffer.from(p, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secretsKey), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the webhook secret cannot be opened: WEBHOOK_SECRETS_KEY has changed');
  }
}
