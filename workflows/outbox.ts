import {
  proxyLocalActivities,
  proxySinks,
  condition,
  workflowInfo,
  CancellationScope,
  type Sinks,
} from '@temporalio/workflow';
import type { EventDraft, EventType, RunState } from '../flow/core.js';
import type { Activities } from '../activities/index.js';

/** How long one batch may wait for Postgres before the outbox gives up on it. */
const PUBLISH_BOUND = '10m';
/** At most this many drafts ride in node activities' inputs; a larger backlog goes by local activity. */
const MAX_RIDING = 50;
/** …and at most this many bytes of them (JSON), since an activity's input is kept in its history. */
const MAX_RIDING_BYTES = 16 * 1024;
/** Activities of one activation that all carry the same drafts (a small fan-out); more go by local activity. */
const MAX_CARRIERS = 4;

const { publishEvents } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  // Postgres may be away for a while (a restart, a failover): the run waits for it, within a bound.
  scheduleToCloseTimeout: PUBLISH_BOUND,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/**
 * The worker's side door to the event log (worker/create-worker.ts registers it). A sink call is
 * not a command: it leaves no trace in history and is not made while history replays, so it
 * changes nothing a replay compares. The worker makes the calls of an activation once the
 * activation is done, before its completion goes to the server.
 */
export interface EventSinks extends Sinks {
  events: {
    /**
     * Every draft of this execution not confirmed stored, in the order the log must keep: the
     * worker stores what its own writes have not stored within a short grace (events/early-events.ts).
     */
    drafted(runId: string, drafts: EventDraft[]): void;
  };
}

const { events: eventSink } = proxySinks<EventSinks>();

/** The outboxes of this workflow execution (each execution has its own module instances). */
const open = new Set<Outbox>();

/**
 * The end of an activation (workflows/interceptors.ts): every outbox hands the worker what it has
 * not confirmed stored yet (see Outbox.sendEarly).
 */
export function concludeActivation(): void {
  if (open.size === 0 || workflowInfo().unsafe.isReplaying) return;
  try {
    for (const outbox of open) outbox.sendEarly();
  } catch {
    // A shortcut only: an error here must not fail the workflow task (the outbox writes it all anyway).
  }
}

/** Why events of a run could not be written, and how many were lost. */
export interface OutboxLoss {
  events: number;
  reason: string;
}

/** How an Outbox writes (each flag a change that histories recorded before it replay without). */
export interface OutboxMode {
  /**
   * Drafts are not written the moment they are queued but once the activation has run its course,
   * and node activities scheduled meanwhile carry them (takeForActivity) and write them first
   * thing. A local activity holds the workflow task open until it returns, so writing a node's
   * events by local activity delayed the next node's scheduling by a Postgres round trip; riding, a
   * chain of activity nodes needs no local activity at all (`events-ride-activities`).
   */
  ride?: boolean;
  /**
   * With `ride`: up to MAX_CARRIERS activities scheduled in one activation all carry the drafts
   * (each writes them before its own events, so causal order holds for each), and once `ending()`
   * (the graph has nothing left running) nothing is flushed at the end of the activation: `close`
   * writes it all with the terminal event in one local activity. A five-node diamond wrote with
   * four local activities, now two (`outbox-fewer-writes`).
   */
  fewer?: boolean;
  /**
   * With `fewer`: the end of each activation is not awaited by a loop of its own (a condition, so
   * several promises per activation, each with a stack trace the SDK records) but announced by the
   * graph's own wait (`endOfActivation`, GraphRun.run); `close` waits for a write only when one is
   * under way (`lean-activations`).
   */
  lean?: boolean;
  /** Called when drafts leave the queue (runFlow refreshes the run's details then). */
  onFlush?: () => void;
  /** Whether the graph has nothing left running. */
  ending?: () => boolean;
}

/**
 * The workflow's side of the event log: drafts are queued in memory and written in batches by one
 * local activity at a time, so bookkeeping never adds a round trip per node. Keys make rewrites
 * after a crash idempotent.
 *
 * Bounded: a batch the log refuses (EventLogRefused) or that cannot be written within
 * PUBLISH_BOUND is counted as lost and the run goes on; `close` reports the loss, so a run whose
 * log cannot be written still ends, saying why.
 */
export class Outbox {
  private queue: EventDraft[] = [];
  /** Drafts handed to the node activities scheduled in this activation (see takeForActivity). */
  private riding: EventDraft[] = [];
  /** A second activity was scheduled in this activation: the riding drafts go by local activity too. */
  private spill = false;
  private flushing = false;
  /** Lean mode: a settle is queued for the next microtask (see endOfActivation). */
  private settling = false;
  private lost: OutboxLoss | undefined;
  /** Activities of this activation carrying the riding drafts. */
  private carriers = 0;
  /**
   * Drafts that carriers of earlier activations took and that no carrier has reported on yet
   * (`landed`), by key. A carrier may start long after it was scheduled (its task queue has a
   * backlog): whatever is written meanwhile, by local activity or by a later carrier, writes these
   * first, so nothing of the run is stored before what led to it (keys make the carrier's own
   * write a no-op then).
   */
  private carried = new Map<string, EventDraft>();
  /** What the local activity under way writes (see sendEarly). */
  private inFlight: EventDraft[] = [];
  /** Keys of unconfirmed drafts this execution has handed the worker (not kept across a replay). */
  private sent = new Set<string>();

  private readonly ride: boolean;
  private readonly fewer: boolean;
  private readonly lean: boolean;
  private readonly onFlush: () => void;
  private readonly ending: () => boolean;

  constructor(
    private readonly runId: string,
    private readonly enabled: boolean,
    mode: OutboxMode = {},
  ) {
    this.ride = mode.ride === true;
    this.fewer = this.ride && mode.fewer === true;
    this.lean = this.fewer && mode.lean === true;
    this.onFlush = mode.onFlush ?? (() => {});
    this.ending = mode.ending ?? (() => false);
    if (this.ride && !this.lean && enabled) void CancellationScope.nonCancellable(() => this.flushWhenSettled());
    if (enabled) open.add(this);
  }

  /**
   * When this activation drafted something new: hands the worker every draft not confirmed stored
   * yet, in the order the log must keep, to store soon (an event drafted here otherwise waits for
   * its carrier to start, behind other work on a busy task queue, or for a local activity). Only a
   * shortcut: the carriers and local activities still write everything (keys make it a no-op), so
   * a worker that dies before storing loses nothing. Every early write carries all that is not
   * confirmed yet, the new drafts last: whatever became of earlier early writes (failed, still
   * under way, made by another worker before a replay), none stores an event before one that led
   * to it. The worker leaves out what it knows is stored.
   */
  sendEarly(): void {
    const all = new Map<string, EventDraft>();
    for (const d of this.carried.values()) all.set(d.key, d);
    for (const d of this.inFlight) if (!all.has(d.key)) all.set(d.key, d);
    for (const d of this.riding) if (!all.has(d.key)) all.set(d.key, d);
    for (const d of this.queue) if (!all.has(d.key)) all.set(d.key, d);
    let fresh = false;
    for (const key of all.keys())
      if (!this.sent.has(key)) {
        this.sent.add(key);
        fresh = true;
      }
    if (fresh) eventSink.drafted(this.runId, [...all.values()]);
  }

  /**
   * The queued drafts, for the node activity scheduled now to write before its own events (keys
   * make a second write of the same draft a no-op). Only one activity per activation carries them:
   * when a second one is scheduled in the same activation (a fan-out), the drafts are written by
   * local activity at the end of the activation instead, which the workflow task waits for before
   * any of the activities is dispatched, so no node's events can be stored before the events that
   * led to it. The caller gives them back (`write`) if the activity fails: it may not have written them.
   */
  takeForActivity(): EventDraft[] {
    if (!this.ride || !this.enabled) return [];
    return this.withCarried(this.take());
  }

  private take(): EventDraft[] {
    if (this.riding.length > 0) {
      if (this.fewer && this.carriers < MAX_CARRIERS) {
        this.carriers += 1;
        return [...this.riding];
      }
      this.spill = true;
      return [];
    }
    if (this.queue.length === 0 || this.queue.length > MAX_RIDING) return [];
    // An activity's input is kept in history: large drafts (progress, token runs) go by local activity.
    if (JSON.stringify(this.queue).length > MAX_RIDING_BYTES) return [];
    this.riding = this.queue.splice(0);
    this.carriers = 1;
    this.onFlush();
    return [...this.riding];
  }

  /**
   * `drafts` after what earlier carriers took and have not reported on (see `carried`); without
   * those if they would make an activity's input too large (the one ordering left unguarded: that
   * activity could then store its own events before a still earlier carrier starts).
   */
  private withCarried(drafts: EventDraft[]): EventDraft[] {
    const all = this.beforeCarried(drafts);
    return all.length === drafts.length || JSON.stringify(all).length <= MAX_RIDING_BYTES ? all : drafts;
  }

  /**
   * A carrier's activity succeeded: what it took is stored, but for what it handed back (queued
   * again by `write`), which stays first in line for the next write. A carrier that failed calls
   * nothing: what it took is queued again and stays first in line too.
   */
  landed(drafts: EventDraft[], handedBack: readonly EventDraft[] = []): void {
    const back = new Set(handedBack.map((d) => d.key));
    for (const d of drafts)
      if (!back.has(d.key)) {
        this.carried.delete(d.key);
        this.sent.delete(d.key);
      }
  }

  /** Ride mode: after each activation, what no activity took (or a fan-out's drafts) goes by local activity. */
  private async flushWhenSettled(): Promise<void> {
    for (;;) {
      await condition(() => this.hasSettledWork());
      this.settleAndFlush();
    }
  }

  private hasSettledWork(): boolean {
    return (this.riding.length > 0 || (this.queue.length > 0 && !this.flushing)) && !(this.fewer && this.ending());
  }

  /**
   * Lean mode: the graph's wait calls this from its condition's predicate, which the SDK evaluates
   * where flushWhenSettled's condition was evaluated. What that loop did once its condition held
   * (settle, flush) runs the same way, as the next microtask, without a loop and its scope. Like
   * the loop's, the check also runs mid-activation: where a condition is made (the SDK evaluates a
   * predicate once at once) and right after the workflow function's first synchronous part. So
   * nothing may assume it runs only once an activation's promises have settled.
   */
  endOfActivation(): void {
    if (!this.lean || !this.enabled || this.settling || !this.hasSettledWork()) return;
    this.settling = true;
    void Promise.resolve().then(() => {
      this.settling = false;
      this.settleAndFlush();
    });
  }

  /** What follows a settled activation: riding drafts settled, the queue written if no write is under way. */
  private settleAndFlush(): void {
    this.settleRiding();
    if (this.queue.length > 0 && !this.flushing) this.flush();
  }

  /**
   * The end of an activation that handed drafts to activities. A carrier too many, or a draft
   * queued after the carriers took theirs (which a local activity would store before the carriers
   * start): the batch goes first, by local activity.
   */
  private settleRiding(): void {
    if (this.spill || (this.riding.length > 0 && this.queue.length > 0)) this.queue.unshift(...this.riding);
    else for (const d of this.riding) this.carried.set(d.key, d);
    this.riding = [];
    this.spill = false;
    this.carriers = 0;
  }

  emit(type: EventType, key: string, fields: Omit<EventDraft, 'type' | 'key' | 'ts'> = {}): void {
    if (!this.enabled) return;
    this.queue.push({ type, key, ts: new Date().toISOString(), ...fields });
    this.kick();
  }

  /** Queues drafts made elsewhere (an activity's events that Postgres did not take in time). */
  write(drafts: EventDraft[]): void {
    if (!this.enabled || drafts.length === 0) return;
    // A carrier hands back the drafts it could not confirm, which may be queued already: queue each key once.
    const queued = new Set(this.queue.map((d) => d.key));
    this.queue.push(...drafts.filter((d) => !queued.has(d.key)));
    this.kick();
  }

  /** Events that could not be written, if any. */
  get loss(): OutboxLoss | undefined {
    return this.lost;
  }

  private kick(): void {
    if (this.ride || this.flushing || this.queue.length === 0) return;
    this.flush();
  }

  private flush(): void {
    this.flushing = true;
    const batch = this.queue.splice(0, 500);
    const events = this.beforeCarried(batch);
    this.inFlight = events;
    this.onFlush();
    // Non-cancellable: a cancelled run must still record what happened before it ended.
    CancellationScope.nonCancellable(() => publishEvents({ runId: this.runId, events })).then(
      () => {
        this.landed(events);
        this.done();
      },
      (err: unknown) => {
        // Given up on (refused, or Postgres away past PUBLISH_BOUND): carried drafts in it too, or
        // they would lead every later write into the same refusal.
        this.record(events.length, err);
        this.landed(events);
        this.done();
      },
    );
  }

  /**
   * What carriers took and have not reported on, then the rest of `drafts` (a local activity stores
   * them now). A carried draft that is also queued again (handed back) keeps its first place.
   */
  private beforeCarried(drafts: EventDraft[]): EventDraft[] {
    if (this.carried.size === 0) return drafts;
    return [...this.carried.values(), ...drafts.filter((d) => !this.carried.has(d.key))];
  }

  private done(): void {
    this.flushing = false;
    for (const d of this.inFlight) this.sent.delete(d.key);
    this.inFlight = [];
    this.kick();
  }

  private record(events: number, err: unknown): void {
    const e = err as { cause?: { message?: string }; message?: string };
    this.lost = { events: (this.lost?.events ?? 0) + events, reason: e?.cause?.message ?? e?.message ?? String(err) };
  }

  /**
   * Writes what is queued plus the terminal events and the final state, then resolves. Resolves
   * with the loss when the log could not take everything (the caller ends the run saying so).
   */
  async close(final: RunState | undefined, terminal: EventDraft[]): Promise<OutboxLoss | undefined> {
    await CancellationScope.nonCancellable(async () => {
      if (!this.lean || this.flushing) await condition(() => !this.flushing);
      if (this.fewer) this.settleRiding();
      const events = this.enabled ? this.beforeCarried([...this.queue.splice(0), ...terminal]) : [];
      this.onFlush();
      if (events.length > 0 || final) {
        try {
          await publishEvents({ runId: this.runId, events, final });
        } catch (err) {
          this.record(events.length, err);
        }
      }
    });
    open.delete(this);
    return this.lost;
  }
}
