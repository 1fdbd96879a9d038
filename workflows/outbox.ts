import { proxyLocalActivities, condition, CancellationScope } from '@temporalio/workflow';
import type { EventDraft, EventType, RunState } from '../flow/index.js';
import type { Activities } from '../activities/index.js';

const { publishEvents } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  // Postgres may be briefly away; the run waits for it rather than losing events.
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * The workflow's side of the event log: drafts are queued in memory and written in batches by one
 * local activity at a time, so bookkeeping never adds a round trip per node. Keys make rewrites
 * after a crash idempotent.
 */
export class Outbox {
  private queue: EventDraft[] = [];
  private flushing = false;

  constructor(
    private readonly runId: string,
    private readonly enabled: boolean,
    private readonly onFlush: () => void = () => {},
  ) {}

  emit(type: EventType, key: string, fields: Omit<EventDraft, 'type' | 'key' | 'ts'> = {}): void {
    if (!this.enabled) return;
    this.queue.push({ type, key, ts: new Date().toISOString(), ...fields });
    this.kick();
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, 500);
    this.onFlush();
    // Non-cancellable: a cancelled run must still record what happened before it ended.
    void CancellationScope.nonCancellable(() => publishEvents({ runId: this.runId, events: batch })).finally(() => {
      this.flushing = false;
      this.kick();
    });
  }

  /** Writes what is queued plus the terminal events and the final state, then resolves. */
  async close(final: RunState | undefined, terminal: EventDraft[]): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      await condition(() => !this.flushing);
      const events = this.enabled ? [...this.queue.splice(0), ...terminal] : [];
      this.onFlush();
      if (events.length > 0 || final) await publishEvents({ runId: this.runId, events, final });
    });
  }
}
