// The background loops every instance runs: the event dispatcher and the webhook delivery worker.
// They poll PostgreSQL (EVENTS_POLL_MS), which holds everything still to do, so a restart or a crash
// loses nothing: pending events and deliveries are picked up by whichever instance polls next.
import type { AppDeps } from '../access/context';
import { DISPATCH_BATCH, dispatchPendingEvents } from '../events/event-dispatcher';
import { enqueueDeliveries, startDueDeliveries } from '../webhooks/webhook.delivery';

const WARN_EVERY_MS = 30_000;

/** Starts both loops; the returned function stops them and waits for running work (attempts included). */
export function startEventWorkers(deps: AppDeps, channel: string): () => Promise<void> {
  const intervalMs = deps.config.EVENTS_POLL_MS;
  if (!intervalMs) return async () => {};

  // One warning per kind of failure and period: a dead Redis or database must not flood the log.
  const lastWarned = new Map<string, number>();
  const warn = (what: string, err: unknown) => {
    const now = Date.now();
    if ((lastWarned.get(what) ?? 0) + WARN_EVERY_MS > now) return;
    lastWarned.set(what, now);
    deps.log.warn({ err }, what);
  };

  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> | null = null;

  // Claims due deliveries into the free slots. It runs on every poll and again each time an attempt
  // ends, so a prompt endpoint is sent its next delivery at once, not one poll later (a poll-paced
  // worker sent each webhook at most its in-flight cap per poll: 10 per second at the defaults).
  // One claim at a time; a request that comes in meanwhile runs once the current claim is done.
  let claiming: Promise<void> | null = null;
  let claimAgain = false;
  const claim = (): Promise<void> => {
    if (claiming) {
      claimAgain = true;
      return claiming;
    }
    claiming = (async () => {
      do {
        claimAgain = false;
        if (stopped) break;
        try {
          for (const p of await startDueDeliveries(deps, deps.config.WEBHOOK_MAX_IN_FLIGHT - inFlight.size)) {
            const tracked = p.finally(() => {
              inFlight.delete(tracked);
              void claim();
            });
            inFlight.add(tracked);
          }
        } catch (err) {
          warn('webhook delivery poll failed; will retry', err);
          break;
        }
      } while (claimAgain);
    })().finally(() => {
      claiming = null;
      if (claimAgain && !stopped) void claim(); // asked for between the loop's last check and here
    });
    return claiming;
  };

  const runOnce = async () => {
    try {
      // A burst of changes is dispatched in consecutive full batches.
      while (
        !stopped &&
        (await dispatchPendingEvents(deps, channel, enqueueDeliveries, (err) =>
          warn('could not publish an event to live subscribers', err),
        )) === DISPATCH_BATCH
      );
    } catch (err) {
      warn('event dispatch failed; will retry', err);
    }
    await claim();
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick = runOnce().finally(() => {
        tick = null;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await tick;
    await claiming;
    await Promise.all(inFlight);
  };
}
