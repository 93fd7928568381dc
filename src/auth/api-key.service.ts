// API keys: high-entropy secrets shown once, stored as SHA-256 hashes, resolved to a Viewer per request.
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey } from './api-key.entity';
import { Role } from '../access/role';
import { Viewer } from '../access/viewer';
import { Organization } from '../organizations/organization.entity';
import type { Context } from '../access/context';
import { assertAdminOf } from '../access/viewer';
import { forbidden, invalid, notFound, refuse, UserErrorCode } from '../shared/errors';
import { recordAudit } from '../audit/audit.service';
import { idempotent } from '../shared/idempotency';
import { isUuid } from '../shared/ids';
import { prepared } from '../db/prepared';
import { readsKeysOf } from '../access/visibility';
import { requestScope } from '../shared/request-scope';
import { findPage } from '../db/read-model';
import { emptyPage, type Page } from '../shared/connection';

/** The bootstrap operator key (from OPERATOR_API_KEY) has a fixed id so a new value replaces the old. */
export const BOOTSTRAP_OPERATOR_KEY_ID = '00000000-0000-4000-8000-000000000001';

/** A revoked key stops working at once on the instance that revoked it, and on every other instance within this time. */
const CACHE_MS = 800;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const newSecret = () => `hsx_${randomBytes(32).toString('base64url')}`;

interface CachedViewer {
  viewer: Viewer | null;
  until: number;
}
const cache = new Map<string, CachedViewer>();
/** Keys revoked through this instance (hash -> until): refused here even if a read that began before the revocation caches them again. */
const revokedHere = new Map<string, number>();

/** Resolves a bearer secret to a Viewer; null when unknown or revoked. */
export async function authenticate(em: EntityManager, secret: string): Promise<Viewer | null> {
  const hash = hashSecret(secret);
  const now = Date.now();
  if (revokedHere.size && (revokedHere.get(hash) ?? 0) > now) return null;
  const hit = cache.get(hash);
  if (hit && hit.until > now) return hit.viewer;
  const rows = await prepared<{
    id: string;
    role: Role;
    organization_id: string | null;
    member_ids: string[] | null;
    used_long_ago: boolean;
  }>(
    em,
    `select k.id, k.role, k.organization_id,
            case when k.organization_id is not null then array(select m.id from organization m where m.network_id = k.organization_id) end as member_ids,
            k.last_used_at is not distinct from null or k.last_used_at < date_trunc('hour', now()) as used_long_ago
       from api_key k where k.secret_hash = ? and k.revoked_at is null`,
    [hash],
  );
  const row = rows[0];
  // Last use is kept to the hour: at most one write per key and hour, in the background (not part of the request's work).
  if (row?.used_long_ago) {
    requestScope.exit(() =>
      em
        .getConnection()
        .execute(`update api_key set last_used_at = date_trunc('hour', now()) where id = ?`, [row.id])
        .catch(() => {}),
    );
  }
  const viewer = row ? new Viewer(row.id, row.role, row.organization_id, row.member_ids ?? []) : null;
  if (cache.size > 10_000) cache.clear();
  if (!((revokedHere.get(hash) ?? 0) > Date.now())) cache.set(hash, { viewer, until: Date.now() + CACHE_MS });
  return viewer;
}

/** Called once a revocation has committed: the key stops working here at once (other instances within CACHE_MS). */
function forgetRevokedKey(hash: string): void {
  const now = Date.now();
  for (const [h, until] of revokedHere) if (until <= now) revokedHere.delete(h);
  revokedHere.set(hash, now + 2 * CACHE_MS);
  cache.delete(hash);
}

export function forgetCachedKeys(): void {
  cache.clear();
  revokedHere.clear();
}

/** Makes OPERATOR_API_KEY a working operator key (replacing an earlier value). */
export async function bootstrapOperatorKey(em: EntityManager, secret: string): Promise<void> {
  await em.getConnection().execute(
    `insert into api_key (id, role, label, secret_hash, secret_prefix)
     values (?, 'OPERATOR', 'bootstrap operator (OPERATOR_API_KEY)', ?, ?)
     on conflict (id) do update set secret_hash = excluded.secret_hash, secret_prefix = excluded.secret_prefix, revoked_at = null, updated_at = now()`,
    [BOOTSTRAP_OPERATOR_KEY_ID, hashSecret(secret), secret.slice(0, 8)],
  );
}

/** Revokes the keys with these secrets (the demo network's in production), recording why; returns how many. */
export async function revokeKeysWithSecrets(em: EntityManager, secrets: string[], reason: string): Promise<number> {
  return em.transactional(async (tx) => {
    const keys = await tx.find(ApiKey, { secretHash: { $in: secrets.map(hashSecret) }, revokedAt: null });
    for (const key of keys) {
      key.revokedAt = new Date();
      recordAudit({ viewer: null, requestId: 'start-up' }, tx, {
        action: 'apiKey.revoked',
        entityType: 'ApiKey',
        entityId: key.id,
        partyIds: key.organizationId ? [key.organizationId] : [],
        before: { revokedAt: null },
        after: { revokedAt: key.revokedAt, reason },
      });
    }
    return keys.length;
  });
}

/** Inserts a key with a known secret (demo network). */
export function keyWithSecret(organizationId: string | null, role: Role, label: string, secret: string): ApiKey {
  return new ApiKey({ organizationId, role, label, secretHash: hashSecret(secret), secretPrefix: secret.slice(0, 8) });
}

export async function createApiKey(
  ctx: Context,
  input: { organizationId?: string | null; role: Role; label: string; idempotencyKey?: string | null },
): Promise<{ key: ApiKey; secret: string | null }> {
  const viewer = ctx.viewer;
  const orgId = input.organizationId ?? null;
  if (input.role === Role.OPERATOR) {
    if (!viewer.isOperator) throw forbidden('Only the operator may create OPERATOR keys.');
    if (orgId) invalid('input.organizationId', 'OPERATOR keys belong to no organization; leave organizationId null.');
  } else {
    if (!orgId) invalid('input.organizationId', 'organizationId is required for ADMIN, SALES and INTEGRATION keys.');
    assertAdminOf(viewer, orgId!);
  }
  const label = input.label.trim();
  if (!label) invalid('input.label', 'label must not be empty.');
  const insertKey = async (em: EntityManager) => {
    if (orgId && !(isUuid(orgId) && (await em.findOne(Organization, orgId)))) throw notFound('Organization');
    const secret = newSecret();
    const key = new ApiKey({
      organizationId: orgId,
      role: input.role,
      label,
      secretHash: hashSecret(secret),
      secretPrefix: secret.slice(0, 8),
    });
    em.persist(key);
    recordAudit(ctx, em, {
      action: 'apiKey.created',
      entityType: 'ApiKey',
      entityId: key.id,
      partyIds: orgId ? [orgId] : [],
      after: { role: key.role, label: key.label, organizationId: orgId, secretPrefix: key.secretPrefix },
    });
    return { key, secret };
  };
  return ctx.em.transactional((em) =>
    idempotent<{ key: ApiKey; secret: string | null }, { id: string }>(
      ctx,
      em,
      'createApiKey',
      input,
      async () => {
        const result = await insertKey(em);
        return { result, saved: { id: result.key.id } };
      },
      // A retry gets the key the first call made, without its secret: the secret is stored hashed and
      // shown once (API.md). A client whose first answer was lost revokes that key and creates another.
      async (saved) => {
        const key = await em.findOne(ApiKey, saved.id);
        if (!key) throw notFound('API key');
        return { key, secret: null };
      },
    ),
  );
}

export async function revokeApiKey(ctx: Context, id: string): Promise<ApiKey> {
  const key = await revokeApiKeyRow(ctx, id);
  forgetRevokedKey(key.secretHash);
  return key;
}

/** An organization's keys, newest first: for its ADMIN keys and the operator (organizationId null: the operator's own keys); anyone else reads an empty list, as for an unknown id. */
export async function listApiKeys(ctx: Context, organizationId: string | null, page: Page) {
  const viewer = ctx.viewer;
  if (organizationId !== null && !isUuid(organizationId)) return emptyPage();
  if (!readsKeysOf(viewer, organizationId)) return emptyPage();
  return findPage(ctx.em, ApiKey, { organizationId }, { createdAt: 'desc', id: 'desc' }, page);
}

async function revokeApiKeyRow(ctx: Context, id: string): Promise<ApiKey> {
  const viewer = ctx.viewer;
  return ctx.em.transactional(async (em) => {
    const key = isUuid(id) ? await em.findOne(ApiKey, id) : null;
    // Who may revoke a key is who may read it (apiKeys): anyone else, a network's keys for a member's
    // key included, reads it as not found.
    if (!key || !readsKeysOf(viewer, key.organizationId)) throw notFound('API key');
    if (key.revokedAt) refuse(UserErrorCode.INVALID_TRANSITION, 'The API key is already revoked.', 'input.id');
    key.revokedAt = new Date();
    recordAudit(ctx, em, {
      action: 'apiKey.revoked',
      entityType: 'ApiKey',
      entityId: key.id,
      partyIds: key.organizationId ? [key.organizationId] : [],
      before: { revokedAt: null },
      after: { revokedAt: key.revokedAt },
    });
    return key;
  });
}
