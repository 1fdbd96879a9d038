import type { Sql } from '../infra/index.js';
import { EVENTS_CHANNEL, readEvents, type StoredEvent } from './event-log.js';

/** One open event stream of a run, as the hub sees it. */
export interface Subscriber {
  /** The last sequence number this subscriber has sent. */
  readonly cursor: number;
  /** False while the client's buffer is full; such a subscriber is left out until it drains and wakes the hub. */
  ready(): boolean;
  /** Hands over a batch in sequence order; the subscriber sends those after its cursor. */
  deliver(events: StoredEvent[]): void;
  /** The shared read failed: the subscriber ends (its client reconnects with Last-Event-ID). */
  fail(err: unknown): void;
}

interface RunWatch {
  subscribers: Set<Subscriber>;
  reading: boolean;
  again: boolean;
  /** The last batch read: stored events never change, so a stream resuming inside it needs no query. */
  cache?: { after: number; events: StoredEvent[] };
}

const BATCH = 500;

/**
 * One LISTEN connection for the whole process. A NOTIFY for a run costs one read of its events,
 * shared by every stream watching that run (from the lowest cursor among them), not one per stream.
 */
export class EventHub {
  private readonly runs = new Map<string, RunWatch>();
  private unlisten?: () => Promise<void>;

  constructor(private readonly sql: Sql) {}

  async start(): Promise<void> {
    const { unlisten } = await this.sql.listen(
      EVENTS_CHANNEL,
      (payload) => {
        const colon = payload.lastIndexOf(':');
        const runId = payload.slice(0, colon);
        const seq = Number(payload.slice(colon + 1));
        const watch = this.runs.get(runId);
        // Every stream already has it (a stream that caught up by itself): no read needed.
        if (watch && Number.isFinite(seq) && [...watch.subscribers].every((s) => s.cursor >= seq)) return;
        this.wake(runId);
      },
      // After a reconnect, wake every stream: it re-reads from its cursor, so nothing is missed.
      () => {
        for (const runId of this.runs.keys()) this.wake(runId);
      },
    );
    this.unlisten = unlisten;
  }

  /** Adds a stream and reads what it has not seen yet. */
  subscribe(runId: string, subscriber: Subscriber): () => void {
    let watch = this.runs.get(runId);
    if (!watch) this.runs.set(runId, (watch = { subscribers: new Set(), reading: false, again: false }));
    watch.subscribers.add(subscriber);
    this.wake(runId);
    return () => {
      watch.subscribers.delete(subscriber);
      if (watch.subscribers.size === 0 && this.runs.get(runId) === watch) this.runs.delete(runId);
    };
  }

  /** Reads the run's new events once for all its ready streams (coalescing wake-ups that arrive meanwhile). */
  wake(runId: string): void {
    const watch = this.runs.get(runId);
    if (!watch) return;
    if (watch.reading) {
      watch.again = true;
      return;
    }
    watch.reading = true;
    void this.read(runId, watch);
  }

  private async read(runId: string, watch: RunWatch): Promise<void> {
    try {
      do {
        watch.again = false;
        for (;;) {
          const ready = [...watch.subscribers].filter((s) => s.ready());
          if (ready.length === 0) break;
          const after = Math.min(...ready.map((s) => s.cursor));
          const cached = watch.cache;
          const hit = !!cached && cached.after <= after && (cached.events.at(-1)?.seq ?? 0) > after;
          const events = hit
            ? cached.events.filter((e) => e.seq > after)
            : await readEvents(this.sql, runId, after, BATCH);
          if (!hit) watch.cache = { after, events };
          for (const s of ready) if (watch.subscribers.has(s) && s.ready()) s.deliver(events);
          if (!hit && events.length < BATCH) break;
          // A cached batch is read again only when it moved some stream on: never spin on it.
          const still = [...watch.subscribers].filter((s) => s.ready());
          if (hit && still.length > 0 && Math.min(...still.map((s) => s.cursor)) <= after) break;
        }
      } while (watch.again && watch.subscribers.size > 0);
    } catch (err) {
      for (const s of [...watch.subscribers]) s.fail(err);
    } finally {
      watch.reading = false;
    }
  }

  get subscriberCount(): number {
    let n = 0;
    for (const watch of this.runs.values()) n += watch.subscribers.size;
    return n;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }
}
