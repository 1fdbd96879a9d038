import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { NodeActivityInput, PureChainInput, PureChainResult } from '../../flow/index.js';
import type { NodeActivity } from '../../activities/node-middleware.js';
import { createPureChain } from '../../activities/pure-chain.js';

const input = (nodeId: string, scope: Record<string, unknown> = {}): NodeActivityInput => ({
  runId: 'r',
  nodeId,
  type: 'transform',
  params: {},
  scope,
  maximumAttempts: 3,
});

/** A transform that adds one to the output named in its scope (`from`), recording what it was given. */
function fakeTransform(seen: NodeActivityInput[], fail?: string, big?: string): NodeActivity {
  return (i) => {
    seen.push(i);
    if (i.nodeId === fail) return Promise.reject(new Error('no good'));
    const prev = Object.entries(i.scope).find(([k]) => k !== 'inputs')?.[1];
    const output = i.nodeId === big ? 'x'.repeat(300 * 1024) : typeof prev === 'number' ? prev + 1 : 0;
    return Promise.resolve({ output, attempt: 1 });
  };
}

const chain = (n: number): PureChainInput => ({
  head: input('t0'),
  followers: Array.from({ length: n }, (_, k) => ({ ...input(`t${k + 1}`, { inputs: {} }), ahead: [`t${k}`] })),
});

describe('pureChain', () => {
  it('runs the followers in order, each with the outputs of the chain before it, ahead of their turn', async () => {
    const seen: NodeActivityInput[] = [];
    const run = createPureChain({ transform: fakeTransform(seen) });
    const result = (await new MockActivityEnvironment().run(run, chain(3))) as PureChainResult;
    expect(result.head.output).toBe(0);
    expect(result.followers.map((f) => [f.nodeId, f.output])).toEqual([
      ['t1', 1],
      ['t2', 2],
      ['t3', 3],
    ]);
    expect(seen.map((s) => s.speculative)).toEqual([undefined, true, true, true]);
    expect(seen[2].scope).toEqual({ inputs: {}, t1: 1 });
  });

  it('ends at the first follower that fails (it runs again in its turn); a failing head fails the activity', async () => {
    const seen: NodeActivityInput[] = [];
    const result = (await new MockActivityEnvironment().run(
      createPureChain({ transform: fakeTransform(seen, 't2') }),
      chain(4),
    )) as PureChainResult;
    expect(result.followers.map((f) => f.output)).toEqual([1]);
    expect(seen.map((s) => s.nodeId)).toEqual(['t0', 't1', 't2']);
    await expect(
      new MockActivityEnvironment().run(createPureChain({ transform: fakeTransform([], 't0') }), chain(2)),
    ).rejects.toThrow('no good');
  });

  it('keeps the results under 256 KiB, the head included (they are kept in history)', async () => {
    const seen: NodeActivityInput[] = [];
    const result = (await new MockActivityEnvironment().run(
      createPureChain({ transform: fakeTransform(seen, undefined, 't2') }),
      chain(5),
    )) as PureChainResult;
    // t2's 300 KiB result would take the marker past the budget: dropped, t2 runs in its turn.
    expect(result.followers.map((f) => f.nodeId)).toEqual(['t1']);
    expect(seen.map((s) => s.nodeId)).toEqual(['t0', 't1', 't2']);

    // A 200 KiB head leaves room for no 100 KiB follower: the head's bytes count too.
    const sized: NodeActivity = (i) =>
      Promise.resolve({ output: 'x'.repeat((i.nodeId === 't0' ? 200 : 100) * 1024), attempt: 1 });
    const headHeavy = (await new MockActivityEnvironment().run(
      createPureChain({ transform: sized }),
      chain(3),
    )) as PureChainResult;
    expect(headHeavy.followers).toEqual([]);
  });
});
