// Streaming read replicas (DATABASE_REPLICA_URLS): which one may serve a lag-tolerant read, and when
// none may. Every POLL_MS the primary's WAL insert position is sampled (`pg_current_wal_insert_lsn()`,
// which every commit already answered has reached, also with synchronous_commit off, where the write
// position `pg_current_wal_lsn()` can still be short of it), with the time it was taken, and each
// replica's replayed position (`pg_last_wal_replay_lsn()`). A replica that has replayed up to a sample
// holds every transaction committed before that sample's time: that time is the replica's `coveredUntil`, and its lag is `now - coveredUntil`. This measures lag in time
// whether the primary is busy or idle, and it is what read-your-writes compares against: a key whose
// last write committed at T reads from a replica only once `coveredUntil > T`.
// A replica more than REPLICA_MAX_LAG_MS behind, unreachable, or not a standby is skipped (log line,
// metrics), and used again once it has caught up. Reads fall back to the primary. Only reads go here:
// PostgreSQL refuses writes on a standby anyway.
import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ormConfig, type OrmOptions } from './orm';
import { metrics } from '../shared/metrics';

/** How often positions are sampled (at most; a small REPLICA_MAX_LAG_MS samples more often). */
const POLL_MS = 200;
/** A poll that takes longer than this counts as the replica being unreachable. */
const POLL_TIMEOUT_MS = 2000;
/** Tolerance between API instances' clocks when comparing a key's last write (from any instance) to this instance's samples. */
export const CLOCK_MARGIN_MS = 25;

interface Sample {
  at: number;
  lsn: bigint;
}

/** `16/B374D848` to a number that orders like the position. */
export const parseLsn = (text: string): bigint => {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

/** `host:port/database` of a URL: a label without the password. */
const labelOf = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
};

export type SkipReason = 'lagging' | 'unreachable' | 'not_a_standby' | 'starting';

export class Replica {
  /** Every transaction committed on the primary before this time has been replayed here. */
  coveredUntil = Number.NEGATIVE_INFINITY;
  /** Why it is not in use, or null while it is. */
  skipped: SkipReason | null = 'starting';

  constructor(
    readonly name: string,
    readonly orm: MikroORM,
  ) {}

  lagMs(now = Date.now()): number {
    return now - this.coveredUntil;
  }
}

export class ReplicaSet {
  private samples: Sample[] = [];
  private turn = 0;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly pollMs: number;

  private constructor(
    private readonly primary: MikroORM,
    readonly replicas: Replica[],
    private readonly maxLagMs: number,
    private readonly log: Logger,
  ) {
    this.pollMs = Math.max(10, Math.min(POLL_MS, Math.floor(maxLagMs / 4)));
  }

  /** Opens a pool per replica URL (an unreachable replica is skipped until it answers) and starts polling. */
  static async open(
    primary: MikroORM,
    urls: string[],
    o: Omit<OrmOptions, 'databaseUrl'> & { maxLagMs: number; log: Logger },
  ): Promise<ReplicaSet> {
    const replicas = await Promise.all(
      urls.map(
        async (url) =>
          new Replica(labelOf(url), await MikroORM.init(ormConfig({ ...o, databaseUrl: url, replica: true }))),
      ),
    );
    const set = new ReplicaSet(primary, replicas, o.maxLagMs, o.log);
    for (const r of replicas) metrics.replicaInUse.set({ replica: r.name }, 0);
    await set.poll();
    set.schedule();
    return set;
  }

  private schedule() {
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        if (this.timer) this.schedule();
      });
    }, this.pollMs);
    this.timer.unref();
  }

  /**
   * A replica that may serve a read now: in use, within the lag bound, and (for a caller whose last
   * write committed at `lastWriteAt`) holding that write. Round-robin among those; null: read the primary.
   */
  pick(lastWriteAt: number | null): Replica | null {
    const now = Date.now();
    const n = this.replicas.length;
    for (let i = 0; i < n; i++) {
      const r = this.replicas[(this.turn + i) % n];
      if (r.skipped || r.lagMs(now) > this.maxLagMs) continue;
      if (lastWriteAt !== null && r.coveredUntil <= lastWriteAt + CLOCK_MARGIN_MS) continue;
      this.turn = (this.turn + i + 1) % n;
      return r;
    }
    return null;
  }

  /** Takes a replica out of use at once (a request met it unreachable); the next poll that reaches it brings it back. */
  markUnreachable(replica: Replica, err: unknown): void {
    this.transition(replica, 'unreachable', err);
  }

  /** One round of samples: the primary's position first, then every replica's replay position. */
  async poll(): Promise<void> {
    const at = Date.now();
    try {
      const [row] = await this.primary.em
        .getConnection()
        .execute<{ lsn: string }[]>('select pg_current_wal_insert_lsn()::text as lsn');
      this.samples.push({ at, lsn: parseLsn(row.lsn) });
    } catch (err) {
      this.log.warn({ err }, 'replica lag: the primary did not answer');
    }
    // Keep what the lag bound needs (and the newest sample whatever its age).
    const horizon = Date.now() - this.maxLagMs - 5000;
    while (this.samples.length > 1 && this.samples[0].at < horizon) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.pollReplica(r)));
  }

  private async pollReplica(r: Replica): Promise<void> {
    let row: { lsn: string | null } | undefined;
    try {
      [row] = await withTimeout(
        r.orm.em.getConnection().execute<{ lsn: string | null }[]>('select pg_last_wal_replay_lsn()::text as lsn'),
        POLL_TIMEOUT_MS,
      );
    } catch (err) {
      return this.transition(r, 'unreachable', err);
    }
    if (!row?.lsn) return this.transition(r, 'not_a_standby'); // pg_last_wal_replay_lsn() is null outside recovery
    const replayed = parseLsn(row.lsn);
    for (let i = this.samples.length - 1; i >= 0; i--) {
      if (this.samples[i].lsn <= replayed) {
        r.coveredUntil = Math.max(r.coveredUntil, this.samples[i].at);
        break;
      }
    }
    metrics.replicaLag.set({ replica: r.name }, Math.max(0, r.lagMs()) / 1000);
    this.transition(r, r.lagMs() > this.maxLagMs ? 'lagging' : null);
  }

  private transition(r: Replica, skipped: SkipReason | null, err?: unknown) {
    if (r.skipped === skipped) return;
    const lagMs = Number.isFinite(r.lagMs()) ? Math.round(r.lagMs()) : null;
    if (skipped) {
      this.log.warn(
        { replica: r.name, reason: skipped, lagMs, maxLagMs: this.maxLagMs, err },
        'read replica skipped: its reads go to the primary',
      );
      metrics.replicaSkips.inc({ replica: r.name, reason: skipped });
    } else {
      this.log.info({ replica: r.name, lagMs }, 'read replica in use');
    }
    metrics.replicaInUse.set({ replica: r.name }, skipped ? 0 : 1);
    r.skipped = skipped;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.all(this.replicas.map((r) => r.orm.close()));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
