import { describe, expect, it } from 'vitest';
import { EarlyEvents, type EventAppender } from '../../events/index.js';
import type { EventDraft } from '../../flow/index.js';
import { silentLogger } from '../../infra/index.js';

const draft = (key: string): EventDraft => ({ type: 'node.completed', key, ts: new Date(0).toISOString() });

/** An in-memory event log: what each append was asked to store, and a switch to refuse. */
function memoryLog() {
  const appends: string[][] = [];
  let failing = false;
  const release: (() => void)[] = [];
  let holding = false;
  const log: EventAppender & { appends: string[][]; fail(on: boolean): void; hold(): void; go(): void } = {
    appends,
    fail: (on) => void (failing = on),
    hold: () => void (holding = true),
    go: () => {
      holding = false;
      for (const r of release.splice(0)) r();
    },
    async append(_runId, drafts) {
      if (holding) await new Promise<void>((r) => release.push(r));
      if (failing) throw new Error('connection refused');
      appends.push(drafts.map((d) => d.key));
    },
  };
  return log;
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('early event writes', () => {
  it('stores a run’s early writes one after another, in the order they were handed over', async () => {
    const log = memoryLog();
    const early = new EarlyEvents(log, silentLogger as never);
    log.hold();
    early.drafted('r', [draft('a')]);
    early.drafted('r', [draft('b'), draft('c')]);
    await settle();
    expect(log.appends).toEqual([]);
    log.go();
    await settle();
    log.go();
    await settle();
    expect(log.appends).toEqual([['a'], ['b', 'c']]);
  });

  it('leaves out of the workflow’s own writes what an early write stored', async () => {
    const log = memoryLog();
    const early = new EarlyEvents(log, silentLogger as never);
    early.drafted('r', [draft('a'), draft('b')]);
    await settle();
    await early.append('r', [draft('a'), draft('b'), draft('started')]);
    await early.append('other', [draft('a')]);
    expect(log.appends).toEqual([['a', 'b'], ['started'], ['a']]);
  });

  it('stops early writes of a run after one fails, until the workflow’s own writes have stored what failed', async () => {
    const log = memoryLog();
    const early = new EarlyEvents(log, silentLogger as never);
    log.fail(true);
    early.drafted('r', [draft('a')]);
    await settle();
    log.fail(false);
    // b must not be stored before a, which now waits for its carrier.
    early.drafted('r', [draft('b')]);
    await settle();
    expect(log.appends).toEqual([]);
    // The carrier stores a (and b, which the workflow still holds): early writes resume.
    await early.append('r', [draft('a'), draft('b'), draft('started')]);
    early.drafted('r', [draft('c')]);
    await settle();
    expect(log.appends).toEqual([['a', 'b', 'started'], ['c']]);
  });
});
