import type { EventDraft, RunState } from '../flow/index.js';
import type { Logger } from '../infra/index.js';

/** What writes a run's events (the EventWriter, or EarlyEvents in front of it). */
export interface EventAppender {
  append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void>;
}

interface EarlyRun {
  /** This run's early writes, one after another (never rejects). */
  tail: Promise<void>;
  /** Keys an early write stored and no write of the workflow has left out yet (a shortcut, not a record). */
  stored: Set<string>;
  /** An early write of this run failed (logged once). */
  failed: boolean;
}

/** Runs and keys remembered: a shortcut, so bounded (a run forgotten is written in full, keys make it a no-op). */
const MAX_RUNS = 2_000;
const MAX_KEYS = 500;

/**
 * Early writes of the events a workflow drafts, in front of the event writer. The workflow hands
 * them over at the end of each activation (a sink, see workflows/outbox.ts), and they are stored
 * at once instead of when the node activity carrying them starts or a local activity writes them.
 * The workflow's own writes still happen (a worker that dies before an early write loses nothing);
 * here they leave out what an early write has stored, so the second write costs little.
 *
 * Order: each hand-over holds every draft of the run not confirmed stored yet, earliest first, and
 * a run's early writes go one after another. So a failed early write needs no repair: the next
 * one, or the workflow's own writes, store what it held before anything that follows.
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
    run.tail = run.tail.then(async () => {
      const fresh = drafts.filter((d) => !run.stored.has(d.key));
      if (fresh.length === 0) return;
      try {
        await this.writer.append(runId, fresh);
        if (run.stored.size + fresh.length > MAX_KEYS) run.stored.clear();
        for (const d of fresh) run.stored.add(d.key);
      } catch (err) {
        if (run.failed) return;
        run.failed = true;
        this.log.warn(
          { runId, events: fresh.length, err: (err as Error).message },
          'early event write failed; the run writes its events itself',
        );
      }
    });
  }

  /** The workflow's own writes (node activities, local activities): without what early writes stored. */
  async append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return this.writer.append(runId, drafts, final);
    const rest: EventDraft[] = [];
    for (const d of drafts) {
      // Left out once: the workflow counts it stored when this write reports.
      if (run.stored.delete(d.key)) continue;
      rest.push(d);
    }
    // The run is closing: nothing more to shortcut.
    if (final) this.runs.delete(runId);
    return this.writer.append(runId, rest, final);
  }

  private run(runId: string): EarlyRun {
    let run = this.runs.get(runId);
    if (run) {
      // Most recently used last: the oldest go first when there are too many.
      this.runs.delete(runId);
    } else {
      run = { tail: Promise.resolve(), stored: new Set(), failed: false };
      if (this.runs.size >= MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
    }
    this.runs.set(runId, run);
    return run;
  }
}
