// Shared state across API instances: Redis when REDIS_URL is set, in-process equivalents otherwise.
// Used for caches, locks and event fan-out; correctness never depends on it (PostgreSQL holds the truth).
import { EventEmitter } from 'node:events';
import { createClient } from 'redis';
import { createHash, randomUUID } from 'node:crypto';

export type Release = () => Promise<void>;

/** Redis may serve several exchanges (or test databases): keys and channels are namespaced by the database. */
export const storeNamespace = (databaseUrl: string) =>
  `hsx:${createHash('sha256').update(databaseUrl).digest('hex').slice(0, 12)}`;

export interface SharedStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  del(key: string): Promise<void>;
  /** A lock held until released or until `ttlMs` passes; null when someone else holds it. */
  tryLock(key: string, ttlMs: number): Promise<Release | null>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** The node-redis client (null in memory mode), for libraries that take one (rate limiter). */
  readonly client: ReturnType<typeof createClient> | null;
}

export function memoryStore(): SharedStore {
  const values = new Map<string, { value: string; expires: number }>();
  const bus = new EventEmitter().setMaxListeners(0);
  const live = (key: string) => {
    const v = values.get(key);
    if (v && v.expires <= Date.now()) values.delete(key);
    return values.get(key);
  };
  return {
    kind: 'memory',
    client: null,
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlMs) {
      values.set(key, { value, expires: ttlMs ? Date.now() + ttlMs : Infinity });
    },
    async del(key) {
      values.delete(key);
    },
    async tryLock(key, ttlMs) {
      if (live(key)) return null;
      const token = randomUUID();
      values.set(key, { value: token, expires: Date.now() + ttlMs });
      return async () => {
        if (values.get(key)?.value === token) values.delete(key);
      };
    },
    async publish(channel, message) {
      bus.emit(channel, message);
    },
    async subscribe(channel, onMessage) {
      bus.on(channel, onMessage);
      return async () => void bus.off(channel, onMessage);
    },
    async ping() {
      return true;
    },
    async close() {
      bus.removeAllListeners();
    },
  };
}

const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export async function redisStore(url: string, onError: (e: Error) => void): Promise<SharedStore> {
  const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2000);
  const client = createClient({ url, socket: { reconnectStrategy, connectTimeout: 2000 }, disableOfflineQueue: true });
  client.on('error', onError);
  await client.connect();
  let subscriber: typeof client | null = null;
  const subscriberClient = async () => {
    if (!subscriber) {
      subscriber = client.duplicate();
      subscriber.on('error', onError);
      await subscriber.connect();
    }
    return subscriber;
  };
  return {
    kind: 'redis',
    client,
    async get(key) {
      return client.get(key);
    },
    async set(key, value, ttlMs) {
      await client.set(key, value, ttlMs ? { PX: ttlMs } : undefined);
    },
    async del(key) {
      await client.del(key);
    },
    async tryLock(key, ttlMs) {
      const token = randomUUID();
      const ok = await client.set(key, token, { NX: true, PX: ttlMs });
      if (ok !== 'OK') return null;
      return async () => {
        await client.eval(RELEASE_SCRIPT, { keys: [key], arguments: [token] });
      };
    },
    async publish(channel, message) {
      await client.publish(channel, message);
    },
    async subscribe(channel, onMessage) {
      const sub = await subscriberClient();
      await sub.subscribe(channel, onMessage);
      return async () => {
        await sub.unsubscribe(channel, onMessage);
      };
    },
    async ping() {
      try {
        return client.isReady && (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([client.close(), (subscriber as typeof client | null)?.close()]);
    },
  };
}
