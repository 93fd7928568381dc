// Idempotent mutations: the same key with the same input returns the first result without a second
// effect, also when both requests arrive at once (the unique key makes the second one wait for the
// first transaction); a different input with the same key is refused. Keys are scoped per organization.
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { refuse, UserErrorCode } from './errors';

const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === 'object' && !(v instanceof Date)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .filter((k) => k !== 'idempotencyKey' && (v as Record<string, unknown>)[k] !== undefined)
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;

export const requestHash = (input: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('hex');

/**
 * Runs `work` once per (organization, operation, key). `work` returns the ids to remember;
 * `load` turns remembered ids back into the result. Must be called first in a transaction.
 */
export async function idempotent<T, Saved extends object>(
  /** The caller: keys belong to its organization (the operator's to 'operator'). */
  ctx: { viewer: { organizationId: string | null } },
  em: EntityManager,
  operation: string,
  input: { idempotencyKey?: string | null },
  work: () => Promise<{ result: T; saved: Saved }>,
  load: (saved: Saved) => Promise<T>,
): Promise<T> {
  const key = input.idempotencyKey;
  if (!key) return (await work()).result;
  const owner = ctx.viewer.organizationId ?? 'operator';
  const hash = requestHash(input);
  const inserted = await em.execute(
    `insert into idempotency_key (owner, operation, key, request_hash) values (?, ?, ?, ?) on conflict do nothing returning key`,
    [owner, operation, key, hash],
  );
  if (inserted.length) {
    const { result, saved } = await work();
    await em.execute(`update idempotency_key set result = ?::jsonb where owner = ? and operation = ? and key = ?`, [
      JSON.stringify(saved),
      owner,
      operation,
      key,
    ]);
    return result;
  }
  const [first] = await em.execute<{ request_hash: string; result: Saved }[]>(
    `select request_hash, result from idempotency_key where owner = ? and operation = ? and key = ?`,
    [owner, operation, key],
  );
  if (first.request_hash !== hash) {
    refuse(
      UserErrorCode.IDEMPOTENCY_CONFLICT,
      `The idempotency key "${key}" was already used with a different input.`,
      'input.idempotencyKey',
    );
  }
  return load(first.result);
}
