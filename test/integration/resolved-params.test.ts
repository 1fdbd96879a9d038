import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'resolved-params' });
});
afterAll(async () => {
  await stack?.stop();
});

const body = { nodes: [{ id: 'e', type: 'echo', params: { value: '{{inputs.item}}' } }], edges: [] };

/** The save-time message for `params` given literally, at `$.nodes[1].params.<param>`. */
async function saveTimeMessage(node: Record<string, unknown>, param: string): Promise<string> {
  const res = await stack.api('POST', '/api/v1/flows', {
    name: uniqueName('literal'),
    nodes: [{ id: 'in', type: 'input' }, node],
    edges: [{ source: 'in', target: String(node.id) }],
  });
  expect(res.status).toBe(400);
  const problem = res.body.error.details.find((d: { path: string }) => d.path === `$.nodes[1].params.${param}`);
  return problem.message;
}

async function runWith(node: Record<string, unknown>, inputs: Record<string, unknown>) {
  const name = await stack.createFlow({
    name: uniqueName(String(node.type)),
    nodes: [{ id: 'in', type: 'input' }, node],
    edges: [{ source: 'in', target: String(node.id) }],
  });
  return stack.run(name, { inputs });
}

describe('params are checked again after placeholders resolve, with the save-time messages', () => {
  it('loop concurrency 0 fails the node instead of completing with nulls', async () => {
    const node = (concurrency: unknown) => ({ id: 'l', type: 'loop', params: { items: [1, 2, 3], body, concurrency } });
    const expected = await saveTimeMessage(node(0), 'concurrency');
    expect(expected).toBe('Too small: expected number to be >=1');
    const run = await runWith(node('{{in.c}}'), { c: 0 });
    expect(run.status).toBe('failed');
    expect(run.nodes.l).toMatchObject({
      status: 'failed',
      error: {
        type: 'InvalidParams',
        message: `invalid params after resolving placeholders: $.params.concurrency: ${expected}`,
      },
    });
    expect(run.nodes.l.output).toBeUndefined();
  });

  it('delay with a resolved duration that is not one', async () => {
    const node = (duration: unknown) => ({ id: 'd', type: 'delay', params: { duration } });
    const expected = await saveTimeMessage(node('soon'), 'duration');
    const run = await runWith(node('{{in.d}}'), { d: 'soon' });
    expect(run.nodes.d).toMatchObject({
      status: 'failed',
      error: {
        type: 'InvalidParams',
        message: `invalid params after resolving placeholders: $.params.duration: ${expected}`,
      },
    });
  });

  it('loop items that resolve to neither an array nor CSV text', async () => {
    const node = (items: unknown) => ({ id: 'l', type: 'loop', params: { items, body } });
    const expected = await saveTimeMessage(node(5), 'items');
    const run = await runWith(node('{{in.items}}'), { items: 5 });
    expect(run.nodes.l).toMatchObject({
      status: 'failed',
      error: {
        type: 'InvalidParams',
        message: `invalid params after resolving placeholders: $.params.items: ${expected}`,
      },
    });
  });

  it('activity nodes too (echo durationMs)', async () => {
    const node = (durationMs: unknown) => ({ id: 'e', type: 'echo', params: { durationMs } });
    const expected = await saveTimeMessage(node(-1), 'durationMs');
    const run = await runWith(node('{{in.ms}}'), { ms: -1 });
    expect(run.nodes.e).toMatchObject({
      status: 'failed',
      error: {
        type: 'InvalidParams',
        message: `invalid params after resolving placeholders: $.params.durationMs: ${expected}`,
      },
    });
  });
});
