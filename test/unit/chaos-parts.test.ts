import { describe, expect, it } from 'vitest';
import { eventTrail, reexecuted, type Followed } from '../../chaos/follow.js';
import { SCENARIOS } from '../../chaos/scenarios.js';
import type { ScenarioContext } from '../../chaos/types.js';

// The chaos runner's pure parts: counting re-executions and the order in which faults are injected.

const ev = (id: number, type: string, nodeId?: string, reason?: string, attempt?: number) => ({
  id,
  type,
  nodeId,
  reason,
  attempt,
});

describe('reexecuted', () => {
  it('counts nodes started again after they completed, once each; retries before completion do not count', () => {
    const events: Followed['events'] = [
      ev(1, 'node.started', 'a'),
      ev(2, 'node.retrying', 'a', 'worker-lost'),
      ev(3, 'node.started', 'a'),
      ev(4, 'node.completed', 'a'),
      ev(5, 'node.started', 'a'),
      ev(6, 'node.started', 'a'),
      ev(7, 'node.completed', 'b'),
      ev(8, 'node.started', 'b'),
      ev(9, 'run.completed'),
    ];
    expect(reexecuted(events)).toBe(2);
    expect(reexecuted(events.slice(0, 4))).toBe(0);
  });

  it('writes a run’s events as one line', () => {
    const f: Followed = {
      runId: 'r',
      started: 0,
      events: [ev(1, 'node.retrying', 'a', 'worker-lost', 2), ev(2, 'run.completed')],
      gaps: 0,
      duplicates: 0,
    };
    expect(eventTrail(f)).toBe('1:node.retrying:a(worker-lost)@2 2:run.completed@');
  });
});

describe('scenarios', () => {
  /** A context that records what each fault does, in order, without waiting. */
  function recorder() {
    const calls: string[] = [];
    const part = (name: string) => ({
      kill: async () => void calls.push(`kill ${name}`),
      start: async () => void calls.push(`start ${name}`),
    });
    const ctx = {
      postgres: part('postgres'),
      temporal: part('temporal'),
      api: {
        stop: async (s: string) => void calls.push(`stop api ${s}`),
        start: async () => void calls.push('start api'),
      },
      sleep: async (ms: number) => void calls.push(`sleep ${ms}`),
      probeApi: async () => void calls.push('probe'),
    } as unknown as ScenarioContext;
    return { calls, ctx };
  }
  const inject = async (name: string) => {
    const { calls, ctx } = recorder();
    await SCENARIOS.find((s) => s.name === name)!.inject(ctx);
    return calls;
  };

  it('restarts Postgres after 4 s and probes the API while it is away', async () => {
    expect(await inject('Postgres restart')).toEqual([
      'sleep 2000',
      'kill postgres',
      'sleep 1500',
      'probe',
      'sleep 2500',
      'start postgres',
    ]);
  });

  it('restarts Temporal after 3 s and the API after 1 s', async () => {
    expect(await inject('Temporal restart')).toEqual(['sleep 2000', 'kill temporal', 'sleep 3000', 'start temporal']);
    expect(await inject('API restart')).toEqual(['sleep 2000', 'stop api SIGKILL', 'sleep 1000', 'start api']);
  });
});
