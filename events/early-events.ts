import type { EventDraft, RunState } from '../flow/index.js';
import { workerMetrics, type Logger } from '../infra/index.js';

/** What writes a run's events (the EventWriter, or EarlyEvents in front of it). */
export interface EventAppender {
  append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void>;
}

interface EarlyRun {
  /** This run's early writes, one after another (never rejects). */
  tail: Promise<void>;
  /** Keys stored by a write of this process (a shortcut, not a record). */
  stored: Set<string>;
  /** The latest hand-over of each workflow execution writing this run. */
  pending: Map<string, EventDraft[]>;
  /** When each key pending was first handed over. */
  since: Map<string, number>;
  timer?: NodeJS.Timeout;
  /** An early write of this run failed (logged once). */
  failed: boolean;
}

/**
 * How long a hand-over waits before it is written: a node activity that carries the same events
 * and starts at once (an idle task queue) stores them itself meanwhile, and the early write then
 * has nothing left to do. Only a carrier that waits (a busy queue, no free slot) is overtaken.
 */
export const EARLY_WRITE_GRACE_MS = 25;

/** Runs and keys remembered: a shortcut, so bounded (a run forgotten is written in full, keys make it a no-op). */
const MAX_RUNS = 2_000;
const MAX_KEYS = 500;

/**
 * Early writes of the events a workflow drafts, in front of the event writer. The workflow hands
 * them over at the end of each activation (a sink, see workflows/outbox.ts), and what no write of
 * this process has stored EARLY_WRITE_GRACE_MS later is stored then, instead of when the node
 * activity carrying it starts (behind a backlog) or a local activity writes it. The workflow's own
 * writes still happen (a worker that dies before an early write loses nothing); each write here
 * leaves out what another has stored, so an event is written once as a rule.
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
    private readonly graceMs = EARLY_WRITE_GRACE_MS,
  ) {}

  /**
   * The sink: stores each draft once it has waited EARLY_WRITE_GRACE_MS without a write of this
   * process storing it (with every draft handed over before it, first), after this run's earlier
   * early writes. A hand-over holds every draft of its workflow execution not confirmed stored
   * yet, so it replaces the one before it from the same execution. Never throws.
   */
  drafted(runId: string, drafts: EventDraft[], source = ''): void {
    const run = this.run(runId);
    const now = Date.now();
    for (const d of drafts) if (!run.stored.has(d.key) && !run.since.has(d.key)) run.since.set(d.key, now);
    run.pending.set(source, drafts);
    if (this.graceMs <= 0) this.due(runId, run);
    else run.timer ??= setTimeout(() => this.due(runId, run), this.graceMs);
  }

  /** Writes what has waited long enough; waits again for the rest. */
  private due(runId: string, run: EarlyRun): void {
    run.timer = undefined;
    const old = Date.now() - this.graceMs;
    let next = Infinity;
    for (const [source, drafts] of run.pending) {
      const left = drafts.filter((d) => !run.stored.has(d.key));
      // The last draft that has waited long enough: it and every draft before it go now.
      let last = -1;
      left.forEach((d, i) => {
        const at = run.since.get(d.key) ?? 0;
        if (at <= old) last = i;
        else next = Math.min(next, at);
      });
      if (last >= 0) {
        const batch = left.slice(0, last + 1);
        run.tail = run.tail.then(() => this.write(runId, run, batch));
      }
      if (last === left.length - 1) run.pending.delete(source);
    }
    // Keys no hand-over waiting holds any more were stored by another process (or will be by the
    // run's own writes): forget when they were handed over.
    const held = new Set<string>();
    for (const drafts of run.pending.values()) for (const d of drafts) held.add(d.key);
    for (const key of run.since.keys()) if (!held.has(key)) run.since.delete(key);
    if (next !== Infinity)
      run.timer = setTimeout(() => this.due(runId, run), Math.max(1, next + this.graceMs - Date.now()));
  }

  /** Keys handed over and not yet written or known stored, over all runs (tests: nothing lingers). */
  get waiting(): number {
    let n = 0;
    for (const run of this.runs.values()) n += run.since.size;
    return n;
  }

  private async write(runId: string, run: EarlyRun, drafts: EventDraft[]): Promise<void> {
    const fresh = drafts.filter((d) => !run.stored.has(d.key));
    if (fresh.length === 0) return;
    try {
      await this.writer.append(runId, fresh);
      this.remember(run, fresh);
      workerMetrics.earlyEvents.inc({ outcome: 'stored' }, fresh.length);
    } catch (err) {
      workerMetrics.earlyEvents.inc({ outcome: 'failed' }, fresh.length);
      if (run.failed) return;
      run.failed = true;
      this.log.warn(
        { runId, events: fresh.length, err: (err as Error).message },
        'early event write failed; the run writes its events itself',
      );
    }
  }

  private remember(run: EarlyRun, drafts: EventDraft[]): void {
    if (run.stored.size + drafts.length > MAX_KEYS) run.stored.clear();
    for (const d of drafts) {
      run.stored.add(d.key);
      run.since.delete(d.key);
    }
  }

  /** The workflow's own writes (node activities, local activities): without what this process stored. */
  async append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return this.writer.append(runId, drafts, final);
    await this.writer.append(
      runId,
      drafts.filter((d) => !run.stored.has(d.key)),
      final,
    );
    if (final) {
      // The run is closing: nothing more to shortcut (a write still waiting finds it all stored).
      this.runs.delete(runId);
      run.stored.clear();
      for (const d of drafts) run.stored.add(d.key);
      return;
    }
    // What this stored, an early write waiting for its grace leaves out.
    this.remember(run, drafts);
  }

  private run(runId: string): EarlyRun {
    let run = this.runs.get(runId);
    if (run) {
      // Most recently used last: the oldest go first when there are too many.
      this.runs.delete(runId);
    } else {
      run = { tail: Promise.resolve(), stored: new Set(), pending: new Map(), since: new Map(), failed: false };
      if (this.runs.size >= MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
    }
    this.runs.set(runId, run);
    return run;
  }
}
