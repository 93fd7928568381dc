// Background upkeep, wired here above the domains it calls: releases expired holds and marks their quotes EXPIRED (expired holds already
// stop counting at their expiry; the sweeper makes it permanent), and completes ended engagements.
// With several instances only one sweeps at a time: a Redis lock when configured (its key namespaced
// by the database, like every shared key), else, or while Redis is unreachable, a PostgreSQL advisory
// lock. Each step is one transaction, run again after a deadlock or serialization failure.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../access/context';
import { tryAdvisoryLock } from '../db/locks';
import { retryOnConflict } from '../shared/retry';
import { storeNamespace } from '../redis/shared-store';
import { releaseLapsedHolds } from '../capacity/ledger';
import { expireLapsedQuotes } from '../quotes/quote.ledger';
import { completeEndedEngagements } from '../engagements/engagement.service';
import { pruneDeliveryLog } from '../webhooks/webhook.delivery';

const ADVISORY_KEY = 7_340_001;
const BATCH = 1000;

/**
 * One sweep, as three transactions so that each takes its row locks in the global order
 * (quotes, engagements, then capacity months; see src/db/locks.ts): lapsed quotes are expired with
 * their holds, leftover expired holds released, ended engagements completed. Returns how many
 * capacity months had leftover expired holds (0 when another instance sweeps).
 */
export async function sweepExpiredHolds(deps: Pick<AppDeps, 'orm' | 'store' | 'config'>): Promise<number> {
  const key = `${storeNamespace(deps.orm.config.getClientUrl(true))}:lock:hold-sweeper`;
  // null: no Redis, or Redis unreachable (then the advisory lock decides); false: another instance sweeps.
  const release =
    deps.store.kind === 'redis'
      ? await deps.store.tryLock(key, 60_000).then(
          (r) => r ?? false,
          () => null,
        )
      : null;
  if (release === false) return 0;
  const step = <T>(work: (em: EntityManager) => Promise<T>, none: T) =>
    retryOnConflict(() =>
      deps.orm.em
        .fork()
        .transactional(async (em) => (release || (await tryAdvisoryLock(em, ADVISORY_KEY)) ? work(em) : none)),
    );
  try {
    await step(expireLapsedQuotes, undefined);
    const months = await step((em) => releaseLapsedHolds(em, BATCH), 0);
    await step(completeEndedEngagements, undefined);
    await step((em) => pruneDeliveryLog(em, deps.config.WEBHOOK_DELIVERY_RETENTION_DAYS), 0);
    return months;
  } finally {
    if (release) await release().catch(() => {}); // it expires by itself
  }
}

/** Sweeps every `intervalMs` (0 = never); returns a stop function that waits for a running sweep. */
export function startHoldSweeper(deps: AppDeps, intervalMs: number): () => Promise<void> {
  if (!intervalMs) return async () => {};
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    running ??= sweepExpiredHolds(deps)
      .catch((err) => deps.log.warn({ err }, 'hold sweep failed; will retry'))
      .finally(() => (running = null));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
