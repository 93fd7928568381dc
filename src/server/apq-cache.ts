// Automatic persisted queries cached in the shared store (Redis), so any instance knows a hash any
// other instance registered. Redis errors read as a cache miss: the client then resends the query.
import type { Logger } from 'pino';
import type { SharedStore } from '../redis/shared-store';

export function persistedQueryCache(store: SharedStore, log: Logger, namespace: string) {
  const PREFIX = `${namespace}:apq:`;
  return {
    async get(key: string): Promise<string | undefined> {
      try {
        return (await store.get(PREFIX + key)) ?? undefined;
      } catch (err) {
        log.debug({ err }, 'APQ cache read failed');
        return undefined;
      }
    },
    async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
      try {
        await store.set(PREFIX + key, value, options?.ttl ? options.ttl * 1000 : undefined);
      } catch (err) {
        log.debug({ err }, 'APQ cache write failed');
      }
    },
    async delete(key: string): Promise<void> {
      await store.del(PREFIX + key).catch(() => {});
    },
  };
}
