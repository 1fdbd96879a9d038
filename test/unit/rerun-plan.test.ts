import { describe, expect, it } from 'vitest';
import { planRerun, type NodeState } from '../../flow/index.js';

// a → b → d, a → c: re-running from b runs b and d again and reuses a and c.
const definition = {
  nodes: [
    { id: 'a', type: 'input' },
    { id: 'b', type: 'template', params: { template: '{{a}}' } },
    { id: 'c', type: 'template', params: { template: '{{a}}!' } },
    { id: 'd', type: 'output', params: { value: '{{b}}{{c}}' } },
  ],
  edges: [
    { source: 'a', target: 'b' },
    { source: 'a', target: 'c' },
    { source: 'b', target: 'd' },
    { source: 'c', target: 'd' },
  ],
} as Parameters<typeof planRerun>[0];

const done = (output: unknown, attempts = 1): NodeState => ({ status: 'completed', attempts, output });

describe('planRerun', () => {
  it('reuses every completed node that is neither fromNode nor downstream of it', () => {
    const plan = planRerun(
      definition,
      { a: done({ n: 1 }), b: done('x'), c: done('y', 3), d: done('xy') },
      'b',
      'f v1',
    );
    expect(plan).toEqual({
      ok: true,
      reuse: { a: { output: { n: 1 }, attempts: 1 }, c: { output: 'y', attempts: 3 } },
    });
  });

  it('runs again what did not complete, and keeps a completed node without output as null', () => {
    const plan = planRerun(
      definition,
      { a: { status: 'completed', attempts: 1 }, b: done('x'), c: { status: 'failed', attempts: 3 }, d: done('') },
      'd',
      'f v1',
    );
    expect(plan).toEqual({ ok: true, reuse: { a: { output: null, attempts: 1 }, b: { output: 'x', attempts: 1 } } });
  });

  it('re-running from the first node reuses nothing', () => {
    expect(planRerun(definition, { a: done(1), b: done(2), c: done(3), d: done(4) }, 'a', 'f v1')).toEqual({
      ok: true,
      reuse: {},
    });
  });

  it('names the pinned version and its nodes when fromNode is not one of them', () => {
    expect(planRerun(definition, {}, 'zz', 'orders v3')).toEqual({
      ok: false,
      message: 'no node "zz" in orders v3; nodes: a, b, c, d',
    });
  });
});
