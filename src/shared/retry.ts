// Deadlocks (40P01) and serialization failures (40001) abort a transaction that did nothing wrong:
// PostgreSQL rolled it back whole, so running the unit of work again is safe. It is retried here a
// bounded number of times, with a short random pause, so that clients never see such a failure.

const RETRYABLE = new Set(['40P01', '40001']);
export const MAX_ATTEMPTS = 4;

/** Whether an error (or its cause) is a deadlock or serialization failure. */
export function isTransactionConflict(error: unknown): boolean {
  for (
    let e = error as { code?: string; cause?: unknown; previous?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (typeof e.code === 'string' && RETRYABLE.has(e.code)) return true;
    e = (e.cause ?? e.previous) as typeof e;
  }
  return false;
}

/** Runs `work` (a whole transaction) again after a deadlock or serialization failure, at most MAX_ATTEMPTS times in all. */
export async function retryOnConflict<T>(
  work: () => Promise<T>,
  onRetry?: (attempt: number, err: unknown) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isTransactionConflict(err)) throw err;
      onRetry?.(attempt, err);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}
