// One subscription per instance to the shared event channel, fanned out to this instance's live
// GraphQL subscriptions. Each subscription reads through a LiveStream: a bounded queue that turns
// raw events into payloads (or skips them) one at a time, as the client consumes them.
import type { Logger } from 'pino';
import type { SharedStore } from '../redis/shared-store';
import { metrics } from '../shared/metrics';
import type { ExchangeEvent } from './event-catalog';

type Listener = (event: ExchangeEvent) => void;

export class EventHub {
  private readonly listeners = new Set<Listener>();
  private unsubscribe: (() => Promise<void>) | null = null;

  private constructor(private readonly log: Logger) {}

  static async start(store: SharedStore, channel: string, log: Logger): Promise<EventHub> {
    const hub = new EventHub(log);
    hub.unsubscribe = await store.subscribe(channel, (message) => hub.deliver(message));
    return hub;
  }

  private deliver(message: string) {
    let event: ExchangeEvent;
    try {
      event = JSON.parse(message) as ExchangeEvent;
    } catch (err) {
      this.log.warn({ err }, 'ignoring a malformed event on the bus');
      return;
    }
    for (const listener of this.listeners) listener(event);
  }

  /** A stream of payloads: `select` turns each event into one, or null to skip it. */
  stream<T>(select: (event: ExchangeEvent) => Promise<T | null>): LiveStream<T> {
    return new LiveStream(this, select);
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get size() {
    return this.listeners.size;
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    await this.unsubscribe?.().catch(() => {});
    this.unsubscribe = null;
  }
}

/** Events a slow subscriber may fall behind by before its subscription is ended with an error. */
const MAX_QUEUED = 500;

/**
 * An AsyncIterator written by hand rather than as an async generator: `return()` must end it at
 * once, also while it waits for the next event (an async generator would wait for that event first,
 * keeping the listener of a closed subscription alive until something happens).
 */
export class LiveStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: ExchangeEvent[] = [];
  private waiting: (() => void) | null = null;
  private closed = false;
  private overflowed = false;
  private readonly stopListening: () => void;

  constructor(
    hub: EventHub,
    private readonly select: (event: ExchangeEvent) => Promise<T | null>,
  ) {
    metrics.liveSubscriptions.inc();
    this.stopListening = hub.listen((event) => {
      if (this.closed) return;
      if (this.queue.length >= MAX_QUEUED) this.overflowed = true;
      else this.queue.push(event);
      this.waiting?.();
    });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      if (this.overflowed) {
        this.close();
        throw new Error('The subscriber fell too far behind; subscribe again.');
      }
      const event = this.queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => (this.waiting = resolve));
        this.waiting = null;
        continue;
      }
      const value = await this.select(event);
      if (this.closed) return { value: undefined, done: true };
      if (value !== null) return { value, done: false };
    }
  }

  async return(): Promise<IteratorResult<T>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    throw error;
  }

  /** Ends the stream: the pending `next()` (if any) resolves as done. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.stopListening();
    this.waiting?.();
    metrics.liveSubscriptions.dec();
  }
}
