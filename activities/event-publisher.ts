import type { EventDraft } from '../flow/index.js';
import { isTransientDbError, type Logger } from '../infra/index.js';
import { type EventAppender } from '../events/index.js';

const TOKEN_FLUSH_MS = 50;
/** How long a finished attempt waits for its events before handing the rest to the workflow. */
export const EVENT_SETTLE_MS = 3000;
/**
 * How long a succeeded node activity waits for the writes still under way (its node.started, the
 * run's events it carried) before reporting: one Postgres round trip as a rule, and nothing once
 * they are done (a node slower than its writes never waits). What is still unconfirmed after it is
 * handed back, so the workflow writes it again, the next carrier carries it again and every result
 * in history grows by it. Not for local activities: they hold their workflow task open.
 */
export const EVENT_CONFIRM_MS = 250;
/** At most this many unwritten events ride in an activity result; tokens and progress go first. */
const MAX_HANDED_OVER = 200;

export interface EventPublisher {
  push(draft: EventDraft): void;
  /** Waits up to `ms` for every event to be written; returns (and stops retrying) the ones not confirmed yet. */
  settle(ms: number): Promise<EventDraft[]>;
}

/** Unwritten events for the workflow to write: lifecycle ones always, tokens and progress while they fit. */
export function handOver(events: EventDraft[]): EventDraft[] {
  if (events.length <= MAX_HANDED_OVER) return events;
  const lifecycle = events.filter((e) => e.type !== 'node.token' && e.type !== 'node.progress');
  const room = Math.max(0, MAX_HANDED_OVER - lifecycle.length);
  const kept = new Set([...lifecycle, ...events.filter((e) => !lifecycle.includes(e)).slice(-room)]);
  return events.filter((e) => kept.has(e));
}

/**
 * Writes one activity's events in order, never failing the attempt. Lifecycle events are written
 * at once; tokens and progress are batched for TOKEN_FLUSH_MS. While Postgres is away the events
 * wait in memory and the writes are retried with backoff (keys make a rewrite idempotent).
 * `settle` waits a bounded time for the backlog, then hands back what is still unwritten.
 */
export function createEventPublisher(
  writer: EventAppender,
  runId: string,
  quiet: boolean,
  log: Logger,
): EventPublisher {
  const pending: EventDraft[] = [];
  let timer: NodeJS.Timeout | undefined;
  let loop: Promise<void> | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const write = async () => {
    let delay = 100;
    while (pending.length > 0 && !stopped) {
      const batch = pending.slice(0, 500);
      try {
        await writer.append(runId, batch);
        pending.splice(0, batch.length);
        delay = 100;
      } catch (err) {
        if (!isTransientDbError(err)) {
          // Not Postgres being away: this batch can never be stored; drop it rather than wedge the rest.
          pending.splice(0, batch.length);
          log.error({ err: (err as Error).message, dropped: batch.length }, 'events refused by the event log');
          continue;
        }
        log.warn({ err: (err as Error).message, waiting: pending.length }, 'event log unavailable; retrying');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, delay);
        });
        delay = Math.min(delay * 2, 2000);
      }
    }
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    loop ??= write().finally(() => {
      loop = undefined;
      if (pending.length > 0 && !stopped) flush();
    });
  };
  return {
    push(draft: EventDraft) {
      if (quiet) return;
      pending.push(draft);
      if (draft.type === 'node.token' || draft.type === 'node.progress') timer ??= setTimeout(flush, TOKEN_FLUSH_MS);
      // After the current synchronous run: drafts pushed in one go (the run's events an activity
      // carries, then its node.started) share one append instead of the rest waiting for the first.
      else queueMicrotask(flush);
    },
    async settle(ms: number): Promise<EventDraft[]> {
      flush();
      const deadline = Date.now() + ms;
      while (loop && Date.now() < deadline) {
        await Promise.race([loop, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      }
      stopped = true;
      wake?.();
      return pending.splice(0);
    },
  };
}

/** A publisher that writes nothing: `settle` hands every event back (a speculative node's, see PureChainInput). */
export function collectingPublisher(quiet: boolean): EventPublisher {
  const held: EventDraft[] = [];
  return {
    push: (draft) => void (quiet || held.push(draft)),
    settle: () => Promise.resolve(held.splice(0)),
  };
}
