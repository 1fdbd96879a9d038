import { describe, expect, it } from 'vitest';
import {
  failureBody,
  runResponse,
  selection,
  statusFor,
  toMessage,
  type LangflowRun,
} from '../../api/routers/langflow/response.js';
import type { ConvertResult } from '../../langflow/index.js';
import type { FlowDefinition } from '../../flow/index.js';
import type { FlowRecord } from '../../api/flow-store.js';

type RunView = Parameters<typeof runResponse>[0];

// How a run is shaped into Langflow's answers, without a server.

const def: FlowDefinition = {
  name: 'f',
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'o1', type: 'output', label: 'First', params: { name: 'answer' } },
    { id: 'o2', type: 'output' },
  ],
  edges: [],
};
const converted = {
  outputs: {
    'ChatOutput-1': { id: 'ChatOutput-1', type: 'ChatOutput', displayName: 'Chat Output' },
    'TextOutput-2': { id: 'TextOutput-2', type: 'TextOutput', displayName: 'Text Output' },
  },
} as unknown as ConvertResult;
const view = (over: Partial<RunView>): RunView => ({
  runId: 'r1',
  flowId: 'f1',
  flowName: 'f',
  flowVersion: 1,
  status: 'completed',
  nodes: {},
  outputs: {},
  workflowId: 'run-r1',
  links: { self: '/s', events: '/e', temporalUi: '/t' },
  ...over,
});

describe('selection', () => {
  it('lists a native flow’s output nodes by output name and label', () => {
    expect(selection(def, undefined, {})).toEqual([
      { name: 'answer', id: 'o1', displayName: 'First' },
      { name: 'o2', id: 'o2', displayName: 'o2' },
    ]);
  });

  it('keeps chat outputs of an import by default, all for any/debug, one by output_component', () => {
    expect(selection(def, converted, {}).map((o) => o.id)).toEqual(['ChatOutput-1']);
    expect(selection(def, converted, { output_type: 'text' }).map((o) => o.id)).toEqual(['TextOutput-2']);
    expect(selection(def, converted, { output_type: 'any' })).toHaveLength(2);
    expect(selection(def, converted, { output_component: 'Text Output' }).map((o) => o.id)).toEqual(['TextOutput-2']);
  });
});

describe('messages and responses', () => {
  const o = { name: 'answer', id: 'ChatOutput-1', displayName: 'Chat Output' };

  it('reads a message node’s output, a string, or any value as a Message', () => {
    const m = toMessage({ text: 'hi', sender: 'User', sender_name: 'Ada', session_id: 's', id: 'm1' }, o, 'f1', 'x');
    expect(m).toMatchObject({ text: 'hi', sender: 'User', sender_name: 'Ada', session_id: 's', id: 'm1' });
    expect(toMessage('plain', o, 'f1', 'x')).toMatchObject({ text: 'plain', sender: 'Machine', session_id: 'x' });
    expect(toMessage({ n: 1 }, o, 'f1', 'x').text).toBe('{"n":1}');
  });

  it('answers a completed run as Langflow’s RunResponse plus the run’s own handle', () => {
    const run: LangflowRun = {
      runId: 'r1',
      flow: { id: 'f1' } as FlowRecord,
      select: [o],
      sessionId: 's1',
      body: { input_value: 'q' },
    };
    const body = runResponse(view({ outputs: { answer: 'the answer' } }), run);
    expect(body).toMatchObject({
      session_id: 's1',
      outputs: [{ inputs: { input_value: 'q' }, outputs: [{ component_id: 'ChatOutput-1' }] }],
      run_id: 'r1',
      links: { temporalUi: '/t' },
    });
    const result = body.outputs[0].outputs[0];
    expect(result.artifacts).toEqual({
      message: 'the answer',
      sender: 'Machine',
      sender_name: 'AI',
      files: [],
      type: 'object',
    });
    expect(result.messages[0]).toMatchObject({ message: 'the answer', session_id: 's1', type: 'message' });
  });

  it('answers 202 for a run still going, 422 naming the failed node otherwise', () => {
    expect(statusFor(view({ status: 'waiting' }))).toBe(202);
    expect(failureBody(view({ status: 'running' }))).toMatchObject({ status: 'running', detail: 'run still running' });
    const failed = view({ status: 'failed', error: { message: 'boom', nodeId: 'llm' } });
    expect(statusFor(failed)).toBe(422);
    expect(failureBody(failed)).toMatchObject({ error: { code: 'run_failed' }, detail: 'node "llm" failed: boom' });
    expect(failureBody(view({ status: 'cancelled' })).detail).toBe('the run ended cancelled');
  });
});
