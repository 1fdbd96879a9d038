import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'expressions' });
});
afterAll(async () => {
  await stack?.stop();
});

const oneNode = (type: string, expression: string) =>
  stack.createFlow({
    name: uniqueName(type),
    nodes: [{ id: 'n', type, params: { expression }, retry: { maximumAttempts: 1 } }],
  });

describe('hostile expressions', () => {
  it('fail their own node while a clean run beside them completes, and the worker goes on', async () => {
    const clean = await stack.createFlow({
      name: uniqueName('clean'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'wait', type: 'echo', params: { value: '{{in.n}}', durationMs: 300 } },
        { id: 'x', type: 'transform', params: { expression: '$sum(inputs.rows) * 2' } },
        { id: 'big', type: 'condition', params: { expression: 'x > 10' } },
        { id: 'out', type: 'output', params: { value: '{{x}}' } },
      ],
      edges: [
        { source: 'in', target: 'wait' },
        { source: 'wait', target: 'x' },
        { source: 'x', target: 'big' },
        { source: 'big', target: 'out', sourceHandle: 'true' },
      ],
    });
    const hostile = {
      regex: await oneNode('transform', '$contains("aaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a|a)+$/)'),
      pad: await oneNode('transform', '$length($pad("x", 200000000))'),
      padCondition: await oneNode('condition', '$length($pad("x", 200000000)) > 0'),
    };
    const started = {
      pad: await stack.start(hostile.pad),
      padCondition: await stack.start(hostile.padCondition),
      regex: await stack.start(hostile.regex),
      clean: await stack.start(clean, { inputs: { n: 1, rows: [1, 2, 3] } }),
    };
    const done = (r: any) => r.status !== 'running';
    const cleanRun = await stack.waitForRun(started.clean.runId, done);
    expect(cleanRun).toMatchObject({ status: 'completed', outputs: { out: 12 } });

    // A catastrophic regex is linear on RE2: the right answer, at once, instead of 43 s of backtracking.
    const regexRun = await stack.waitForRun(started.regex.runId, done);
    expect(regexRun).toMatchObject({ status: 'completed', nodes: { n: { output: false } } });

    for (const key of ['pad', 'padCondition'] as const) {
      const run = await stack.waitForRun(started[key].runId, done);
      expect(run.status).toBe('failed');
      expect(run.nodes.n).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'ExpressionFailed' } });
      expect(run.nodes.n.error.message).toMatch(/^JSONata: (ran out of memory|stopped after)/);
    }

    const after = await stack.run(clean, { inputs: { n: 2, rows: [5, 6] } });
    expect(after).toMatchObject({ status: 'completed', outputs: { out: 22 } });
  });

  it('refuses at save time a regex the linear-time engine cannot run', async () => {
    const res = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('backref'),
      nodes: [{ id: 'x', type: 'condition', params: { expression: '$contains("abab", /(ab)\\1/)' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      {
        path: '$.nodes[0].params.expression',
        message: expect.stringMatching(/^invalid JSONata: regex \/\(ab\)\\1\/ is not supported by the linear-time/),
      },
    ]);
  });
});
