import type { EventDraft, RunState } from '../flow/index.js';
import type { Logger } from '../infra/index.js';

/** What writes a run's events (the EventWriter, or EarlyEvents in front of it). */
export interface EventAppender {
  append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void>;
}

interface EarlyRun {
  /** This run's early writes, one after another (never rejects). */
  tail: Promise<void>;
  /** Keys an early write stored (at most MAX_KEYS: a shortcut, not a record). */
  stored: Set<string>;
  /**
   * Keys the early path failed or skipped and that no write of this process has stored since.
   * While there are any, early writes stop: one would store later events before these, which
   * wait for their carrier.
   */
  owed: Set<string>;
  /** The early path is off for this run in this process (too much owed to track). */
  off: boolean;
}

const MAX_RUNS = 10_000;
const MAX_KEYS = 2_000;

/**
 * Early writes of the events a workflow drafts, in front of the event writer. The workflow hands
 * them over at the end of each activation (a sink, see workflows/outbox.ts), and they are stored
 * at once instead of when the node activity carrying them starts or a local activity writes them.
 * The workflow's own writes still happen (a worker that dies before an early write loses
 * nothing); here they leave out what an early write has stored, so the second write costs little.
 *
 * Order: a run's early writes go one after another, and the workflow hands over, first, anything
 * earlier it has not handed over itself. A failed early write stops early writes of that run until
 * the workflow's own writes have stored what failed (else a later event could be stored first).
 */
export class EarlyEvents implements EventAppender {
  private readonly runs = new Map<string, EarlyRun>();

  constructor(
    private readonly writer: EventAppender,
    private readonly log: Logger,
  ) {}

  /** The sink: stores `drafts` now, after this run's earlier early writes. Never throws. */
  drafted(runId: string, drafts: EventDraft[]): void {
    const run = this.run(runId);
    const fresh = drafts.filter((d) => !run.stored.has(d.key));
    if (fresh.length === 0) return;
    run.tail = run.tail.then(async () => {
      if (run.off || run.owed.size > 0) {
        this.owe(run, fresh);
        return;
      }
      try {
        await this.writer.append(runId, fresh);
        for (const d of fresh) if (run.stored.size < MAX_KEYS) run.stored.add(d.key);
      } catch (err) {
        this.owe(run, fresh);
        this.log.warn(
          { runId, events: fresh.length, err: (err as Error).message },
          'early event write failed; the run writes these itself',
        );
      }
    });
  }

  /** The workflow's own writes (node activities, local activities): without what early writes stored. */
  async append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void> {
    const run = this.runs.get(runId);
    const rest = run ? drafts.filter((d) => !run.stored.has(d.key)) : drafts;
    await this.writer.append(runId, rest, final);
    if (!run) return;
    for (const d of drafts) run.owed.delete(d.key);
    // The run is closing: nothing more to shortcut.
    if (final) this.runs.delete(runId);
  }

  private owe(run: EarlyRun, drafts: EventDraft[]): void {
    if (run.off) return;
    for (const d of drafts) run.owed.add(d.key);
    if (run.owed.size > MAX_KEYS) {
      run.off = true;
      run.owed.clear();
    }
  }

  private run(runId: string): EarlyRun {
    let run = this.runs.get(runId);
    if (run) {
      // Most recently used last: the oldest go first when there are too many.
      this.runs.delete(runId);
    } else {
      run = { tail: Promise.resolve(), stored: new Set(), owed: new Set(), off: false };
      if (this.runs.size >= MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
    }
    this.runs.set(runId, run);
    return run;
  }
}
