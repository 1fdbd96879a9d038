import { EVENTS_CHANNEL, type Sql } from '../lib/index.js';

type Listener = () => void;

/** One LISTEN connection for the whole process; streams subscribe per run and are woken by NOTIFY. */
export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private unlisten?: () => Promise<void>;

  constructor(private readonly sql: Sql) {}

  async start(): Promise<void> {
    const { unlisten } = await this.sql.listen(
      EVENTS_CHANNEL,
      (payload) => {
        const runId = payload.slice(0, payload.lastIndexOf(':'));
        for (const fn of this.listeners.get(runId) ?? []) fn();
      },
      // After a reconnect, wake every stream: it re-reads from its cursor, so nothing is missed.
      () => {
        for (const set of this.listeners.values()) for (const fn of set) fn();
      },
    );
    this.unlisten = unlisten;
  }

  subscribe(runId: string, fn: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }
}
