import { describe, expect, it, vi } from 'vitest';
import { EarlyEvents, type EventAppender } from '../../events/index.js';
import type { EventDraft } from '../../flow/index.js';
import { silentLogger } from '../../infra/index.js';

const draft = (key: string): EventDraft => ({ type: 'node.completed', key, ts: new Date(0).toISOString() });

/** An in-memory event log: what each append was asked to store (when asked), and switches to refuse or hold. */
function memoryLog() {
  const calls: string[][] = [];
  const appends: string[][] = [];
  let failing = false;
  const release: (() => void)[] = [];
  let holding = false;
  const log: EventAppender & {
    calls: string[][];
    appends: string[][];
    fail(on: boolean): void;
    hold(): void;
    go(): void;
  } = {
    calls,
    appends,
    fail: (on) => void (failing = on),
    hold: () => void (holding = true),
    go: () => {
      holding = false;
      for (const r of release.splice(0)) r();
    },
    async append(_runId, drafts) {
      calls.push(drafts.map((d) => d.key));
      if (holding) await new Promise<void>((r) => release.push(r));
      if (failing) throw new Error('connection refused');
      appends.push(drafts.map((d) => d.key));
    },
  };
  return log;
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('early event writes', () => {
  it('makes a run’s early writes one after another, in the order they were handed over', async () => {
    const log = memoryLog();
    const early = new EarlyEvents(log, silentLogger as never, 0);
    log.hold();
    early.drafted('r', [draft('a')]);
    early.drafted('r', [draft('a'), draft('b')]);
    await settle();
    // The second is not even asked for while the first is under way.
    expect(log.calls).toEqual([['a']]);
    log.go();
    await settle();
    expect(log.appends).toEqual([['a'], ['b']]);
  });

  it('leaves out of the workflow’s own writes what an early write stored', async () => {
    const log = memoryLog();
    const early = new EarlyEvents(log, silentLogger as never, 0);
    early.drafted('r', [draft('a'), draft('b')]);
    await settle();
    await early.append('r', [draft('a'), draft('b'), draft('started')]);
    await early.append('other', [draft('a')]);
    expect(log.appends).toEqual([['a', 'b'], ['started'], ['a']]);
  });

  it('stores what a failed early write held with the next hand-over, before what follows', async () => {
    const log = memoryLog();
    const early = new EarlyEvents(log, silentLogger as never, 0);
    log.fail(true);
    early.drafted('r', [draft('a')]);
    await settle();
    log.fail(false);
    // The workflow hands over everything not confirmed stored: a again, then b.
    early.drafted('r', [draft('a'), draft('b')]);
    await settle();
    expect(log.appends).toEqual([['a', 'b']]);
  });

  it('leaves to the workflow’s own writes what they store within the grace, and writes the rest after it', async () => {
    vi.useFakeTimers();
    try {
      const log = memoryLog();
      const early = new EarlyEvents(log, silentLogger as never, 40);
      early.drafted('r', [draft('a')]);
      // a's carrier starts at once and stores it: nothing is left for the early write.
      await early.append('r', [draft('a'), draft('started-x')]);
      await vi.advanceTimersByTimeAsync(100);
      expect(log.calls).toEqual([['a', 'started-x']]);
      // b's carrier waits: b is written once it has waited the grace, c (handed over later) after.
      early.drafted('r', [draft('b')]);
      await vi.advanceTimersByTimeAsync(20);
      early.drafted('r', [draft('b'), draft('c')]);
      await vi.advanceTimersByTimeAsync(30);
      expect(log.calls.slice(1)).toEqual([['b']]);
      await vi.advanceTimersByTimeAsync(40);
      expect(log.calls.slice(1)).toEqual([['b'], ['c']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps each workflow execution’s hand-overs apart and forgets what another process stored', async () => {
    vi.useFakeTimers();
    try {
      const log = memoryLog();
      const early = new EarlyEvents(log, silentLogger as never, 40);
      // A run's own workflow and one of its loop children write the same run.
      early.drafted('r', [draft('p1')], 'parent');
      early.drafted('r', [draft('c1')], 'child');
      await vi.advanceTimersByTimeAsync(50);
      expect(log.calls.flat().sort()).toEqual(['c1', 'p1']);
      // x is stored by a carrier on another worker: the next hand-over no longer holds it.
      early.drafted('r', [draft('x')], 'parent');
      early.drafted('r', [draft('y')], 'parent');
      await vi.advanceTimersByTimeAsync(50);
      expect(log.calls.at(-1)).toEqual(['y']);
      expect(early.waiting).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
