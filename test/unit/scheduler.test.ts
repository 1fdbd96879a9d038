import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import { buildGraph, type GraphDef, type NodeActivityResult, type NodeDef } from '../../flow/index.js';
import { Scheduler } from '../../workflows/scheduler.js';

/** A node execution the test settles by hand. */
interface Pending {
  node: NodeDef;
  resolve(output: unknown, attempt?: number): void;
  reject(err: unknown): void;
}

/**
 * A scheduler over `def` whose executor records each start and leaves it pending until the test
 * settles it; `events` collects what the scheduler announces as `type:nodeId`.
 */
function schedule(def: Pick<GraphDef, 'nodes' | 'edges'>) {
  const started = new Map<string, Pending>();
  const events: string[] = [];
  const data = new Map<string, unknown>();
  const scheduler = new Scheduler({
    graph: buildGraph(def),
    execute: (node) =>
      new Promise<NodeActivityResult>((resolve, reject) => {
        started.set(node.id, {
          node,
          resolve: (output, attempt = 1) => resolve({ output, attempt }),
          reject,
        });
      }),
    announce: (type, nodeId, payload) => {
      events.push(`${type}:${nodeId}`);
      if (payload) data.set(`${type}:${nodeId}`, payload);
    },
  });
  const flush = () => new Promise((r) => setImmediate(r));
  const node = (id: string) => {
    const p = started.get(id);
    if (!p) throw new Error(`${id} has not started (started: ${[...started.keys()].join(', ')})`);
    return p;
  };
  return {
    scheduler,
    events,
    data,
    started: () => [...started.keys()],
    status: (id: string) => scheduler.state(id).status,
    /** Settles a node with an output and lets the scheduler react. */
    async complete(id: string, output: unknown = id, attempt?: number) {
      node(id).resolve(output, attempt);
      await flush();
    },
    async fail(id: string, err: unknown) {
      node(id).reject(err);
      await flush();
    },
  };
}

const n = (id: string, extra: Partial<NodeDef> = {}): NodeDef => ({ id, type: 'echo', ...extra }) as NodeDef;
const e = (source: string, target: string, sourceHandle?: string) => ({ source, target, sourceHandle });

describe('Scheduler', () => {
  it('starts every root at once, and fans out to all successors as soon as their source completes', async () => {
    const run = schedule({
      nodes: [n('a'), n('b'), n('a1'), n('a2'), n('b1')],
      edges: [e('a', 'a1'), e('a', 'a2'), e('b', 'b1')],
    });
    run.scheduler.pump();
    expect(run.started()).toEqual(['a', 'b']);
    expect(run.scheduler.idle).toBe(false);
    await run.complete('a');
    // a's successors start while b is still running: no layer barrier between branches.
    expect(run.started()).toEqual(['a', 'b', 'a1', 'a2']);
    expect(run.status('b')).toBe('running');
    expect(run.status('b1')).toBe('pending');
  });

  it('completes a node whose executor returns its result itself, and starts its successors in the same pass', () => {
    // Lean runs: an input, an inline output, a pure node run ahead finish without a promise (the
    // workflow sandbox records a stack trace for each promise).
    const order: string[] = [];
    const scheduler = new Scheduler({
      graph: buildGraph({
        nodes: [n('in', { type: 'input' }), n('now'), n('later'), n('last')],
        edges: [e('in', 'now'), e('now', 'later'), e('in', 'last')],
      }),
      execute: (node) => {
        order.push(node.id);
        return node.id === 'later' ? new Promise<NodeActivityResult>(() => {}) : { output: `${node.id}!`, attempt: 1 };
      },
      announce: () => {},
    });
    scheduler.pump();
    // No microtask ran: `in`, `now` and `last` completed at once, `later` started after `now`.
    expect(order).toEqual(['in', 'now', 'last', 'later']);
    expect(scheduler.state('now')).toMatchObject({ status: 'completed', output: 'now!' });
    expect(scheduler.outputs.get('last')).toBe('last!');
    expect(scheduler.state('later').status).toBe('running');
    expect(scheduler.idle).toBe(false);
  });

  it('starts a join only when every incoming edge has settled, with the outputs of both sides', async () => {
    const run = schedule({ nodes: [n('a'), n('b'), n('join')], edges: [e('a', 'join'), e('b', 'join')] });
    run.scheduler.pump();
    await run.complete('a', { x: 1 });
    expect(run.started()).not.toContain('join');
    await run.complete('b', { y: 2 });
    expect(run.started()).toContain('join');
    expect(Object.fromEntries(run.scheduler.outputs)).toEqual({ a: { x: 1 }, b: { y: 2 } });
    await run.complete('join');
    expect(run.scheduler.idle).toBe(true);
    expect(run.scheduler.failure).toBeUndefined();
    expect(run.scheduler.state('join')).toMatchObject({ status: 'completed', attempts: 1, output: 'join' });
  });

  it('skips the branch a condition did not take, and what only that branch leads to, but runs a merge', async () => {
    const run = schedule({
      nodes: [n('c', { type: 'condition' }), n('yes'), n('no'), n('afterNo'), n('merge')],
      edges: [
        e('c', 'yes', 'true'),
        e('c', 'no', 'false'),
        e('no', 'afterNo'),
        e('yes', 'merge'),
        e('afterNo', 'merge'),
      ],
    });
    run.scheduler.pump();
    await run.complete('c', { value: true });
    expect(run.started()).toEqual(['c', 'yes']);
    expect(run.status('no')).toBe('skipped');
    expect(run.status('afterNo')).toBe('skipped');
    expect(run.events).toEqual(['node.skipped:no', 'node.skipped:afterNo']);
    // The merge waits for its live input and runs with it.
    expect(run.status('merge')).toBe('pending');
    await run.complete('yes');
    expect(run.started()).toEqual(['c', 'yes', 'merge']);
  });

  it('takes the false branch when the condition is not exactly true', async () => {
    const run = schedule({
      nodes: [n('c', { type: 'condition' }), n('yes'), n('no')],
      edges: [e('c', 'yes', 'true'), e('c', 'no', 'false')],
    });
    run.scheduler.pump();
    await run.complete('c', { value: 'true' });
    expect(run.started()).toEqual(['c', 'no']);
    expect(run.status('yes')).toBe('skipped');
  });

  it('onError "continue": the failed node skips its dependants and the rest of the run goes on', async () => {
    const run = schedule({
      nodes: [n('risky', { onError: 'continue' }), n('after'), n('later'), n('other'), n('join')],
      edges: [e('risky', 'after'), e('after', 'later'), e('other', 'join'), e('later', 'join')],
    });
    run.scheduler.pump();
    await run.fail(
      'risky',
      ApplicationFailure.create({ message: 'boom', type: 'HttpServerError', details: [{ attempt: 3 }] }),
    );
    expect(run.scheduler.state('risky')).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { message: 'boom', type: 'HttpServerError' },
    });
    expect(run.status('after')).toBe('skipped');
    expect(run.status('later')).toBe('skipped');
    expect(run.data.get('node.skipped:after')).toEqual({ reason: 'risky failed' });
    expect(run.scheduler.failure).toBeUndefined();
    // Everything downstream of the failed node is skipped, a join with another input included.
    expect(run.status('join')).toBe('skipped');
    await run.complete('other');
    expect(run.started()).toEqual(['risky', 'other']);
    expect(run.scheduler.idle).toBe(true);
  });

  it('onError "fail" (the default): the first failure is the run\'s, and nothing new starts after it', async () => {
    const run = schedule({
      nodes: [n('a'), n('b'), n('afterA'), n('afterB')],
      edges: [e('a', 'afterA'), e('b', 'afterB')],
    });
    run.scheduler.pump();
    await run.fail('a', ApplicationFailure.nonRetryable('bad input', 'InvalidParams'));
    expect(run.scheduler.failure).toEqual({ message: 'bad input', type: 'InvalidParams', nodeId: 'a' });
    expect(run.events).toContain('node.failed:a');
    // b was already running; when it completes its successor does not start.
    await run.complete('b');
    expect(run.started()).toEqual(['a', 'b']);
    expect(run.status('afterB')).toBe('pending');
    // The run ends: what never started is cancelled.
    run.scheduler.cancelPending();
    expect(run.status('afterA')).toBe('cancelled');
    expect(run.status('afterB')).toBe('cancelled');
    expect(run.scheduler.failure?.nodeId).toBe('a');
  });

  it('keeps the first failure when two nodes fail', async () => {
    const run = schedule({ nodes: [n('a'), n('b')], edges: [] });
    run.scheduler.pump();
    await run.fail('b', new Error('second branch'));
    await run.fail('a', new Error('first branch'));
    expect(run.scheduler.failure).toEqual({ message: 'second branch', type: 'Error', nodeId: 'b' });
  });

  it('decodes an activity failure to its innermost cause with the attempt the activity reported', async () => {
    const run = schedule({ nodes: [n('a')], edges: [] });
    run.scheduler.pump();
    const cause = ApplicationFailure.create({
      message: '503 from upstream',
      type: 'HttpServerError',
      details: [{ attempt: 2 }],
    });
    await run.fail(
      'a',
      new ActivityFailure('activity failed', 'http', 'a', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'w', cause),
    );
    expect(run.scheduler.state('a')).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { message: '503 from upstream', type: 'HttpServerError' },
    });
    expect(run.scheduler.failure).toMatchObject({ nodeId: 'a', type: 'HttpServerError' });
  });

  it('a cancelled node ends as cancelled, is no failure, and dead-ends its successors', async () => {
    const run = schedule({ nodes: [n('a'), n('b')], edges: [e('a', 'b')] });
    run.scheduler.pump();
    await run.fail(
      'a',
      new ActivityFailure('x', 'echo', 'a', RetryState.CANCEL_REQUESTED, 'w', new CancelledFailure('cancelled')),
    );
    expect(run.status('a')).toBe('cancelled');
    expect(run.events).toEqual(['node.cancelled:a', 'node.skipped:b']);
    expect(run.scheduler.failure).toBeUndefined();
    expect(run.scheduler.idle).toBe(true);
  });

  it('an executor that throws at once fails its node like one that rejects', async () => {
    const scheduler = new Scheduler({
      graph: buildGraph({ nodes: [n('a')], edges: [] }),
      execute: () => {
        throw ApplicationFailure.nonRetryable('no such flow', 'UnknownFlow');
      },
      announce: () => {},
    });
    scheduler.pump();
    await new Promise((r) => setImmediate(r));
    expect(scheduler.failure).toEqual({ message: 'no such flow', type: 'UnknownFlow', nodeId: 'a' });
    expect(scheduler.idle).toBe(true);
  });

  it('reuses the outputs of an earlier run without executing those nodes, conditions included', async () => {
    const run = schedule({
      nodes: [n('c', { type: 'condition' }), n('yes'), n('no')],
      edges: [e('c', 'yes', 'true'), e('c', 'no', 'false')],
    });
    run.scheduler.reuse({ c: { output: { value: false }, attempts: 2 }, ghost: { output: 1, attempts: 1 } });
    run.scheduler.pump();
    expect(run.started()).toEqual(['no']);
    expect(run.scheduler.state('c')).toEqual({
      status: 'completed',
      attempts: 2,
      output: { value: false },
      reused: true,
    });
    expect(run.events).toEqual(['node.completed:c', 'node.skipped:yes']);
    expect(run.scheduler.states.has('ghost')).toBe(false);
  });

  it('records the attempt that produced an output', async () => {
    const run = schedule({ nodes: [n('a')], edges: [] });
    run.scheduler.pump();
    await run.complete('a', 'ok', 3);
    expect(run.scheduler.state('a')).toMatchObject({ status: 'completed', attempts: 3, output: 'ok' });
  });
});
