import type { z } from 'zod';
import type { ConvertResult } from '../../../langflow/index.js';
import type { FlowDefinition } from '../../../flow/index.js';
import type { FlowRecord } from '../../flow-store.js';
import type { RunView } from '../../run-service.js';
import type { langflowRunSchema } from '../../schemas.js';

export type LangflowRunRequest = z.infer<typeof langflowRunSchema>;

/** An output component Langflow would report. */
export interface Selected {
  /** Native output name → how Langflow names the component. */
  name: string;
  id: string;
  displayName: string;
}

/** One `/run` request against one run: what its responses are built from. */
export interface LangflowRun {
  runId: string;
  flow: FlowRecord;
  converted?: ConvertResult;
  select: Selected[];
  sessionId: string;
  body: LangflowRunRequest;
}

/** The output components Langflow would report for this request (output_type, output_component). */
export function selection(
  def: FlowDefinition,
  converted: ConvertResult | undefined,
  body: LangflowRunRequest,
): Selected[] {
  const all: Selected[] = converted
    ? Object.entries(converted.outputs).map(([name, o]) => ({ name, id: o.id, displayName: o.displayName }))
    : def.nodes
        .filter((n) => n.type === 'output')
        .map((n) => {
          const name = typeof n.params?.name === 'string' ? n.params.name : n.id;
          return { name, id: n.id, displayName: n.label ?? n.id };
        });
  if (body.output_component)
    return all.filter(
      (o) =>
        o.id === body.output_component || o.name === body.output_component || o.displayName === body.output_component,
    );
  const type = body.output_type ?? 'chat';
  if (!converted || type === 'any' || type === 'debug') return all;
  return all.filter((o) => o.id.toLowerCase().includes(type));
}

export interface LangflowMessage {
  text: string;
  sender: string;
  sender_name: string;
  session_id: string;
  timestamp: string;
  flow_id: string;
  id: string;
  component_id: string;
  files: unknown[];
  error: boolean;
  edit: boolean;
  category: string;
  content_blocks: unknown[];
  properties: Record<string, unknown>;
}

/** A node's output (a message node's `{text, sender, …}`, or any value) as Langflow's Message. */
export function toMessage(value: unknown, o: Selected, flowId: string, sessionId: string): LangflowMessage {
  const v = (value ?? {}) as Record<string, unknown>;
  const text = typeof value === 'string' ? value : typeof v.text === 'string' ? v.text : JSON.stringify(value ?? null);
  return {
    text,
    sender: typeof v.sender === 'string' ? v.sender : 'Machine',
    sender_name: typeof v.sender_name === 'string' ? v.sender_name : 'AI',
    session_id: typeof v.session_id === 'string' ? v.session_id : sessionId,
    timestamp: typeof v.timestamp === 'string' ? v.timestamp : new Date().toISOString(),
    flow_id: flowId,
    id: typeof v.id === 'string' ? v.id : `${o.id}`,
    component_id: o.id,
    files: [],
    error: false,
    edit: false,
    category: 'message',
    content_blocks: [],
    properties: { source: { id: o.id, display_name: o.displayName, source: null }, state: 'complete' },
  };
}

/** Langflow's RunResponse: `{session_id, outputs: [{inputs, outputs: [ResultData]}]}`. */
export function runResponse(view: RunView, run: LangflowRun) {
  const results = run.select.map((o) => {
    const message = toMessage(view.outputs[o.name], o, run.flow.id, run.sessionId);
    const said = { sender: message.sender, sender_name: message.sender_name };
    return {
      results: { message },
      artifacts: { message: message.text, ...said, files: [], type: 'object' },
      outputs: { message: { message, type: 'object' } },
      logs: { message: [] },
      messages: [
        {
          message: message.text,
          ...said,
          session_id: message.session_id,
          stream_url: null,
          component_id: o.id,
          files: [],
          type: 'message',
        },
      ],
      timedelta: null,
      duration: null,
      component_display_name: o.displayName,
      component_id: o.id,
      used_frozen_result: false,
    };
  });
  return {
    session_id: run.sessionId,
    outputs: [{ inputs: { input_value: run.body.input_value ?? null }, outputs: results }],
    // Tempoflow's own handle on the run (Temporal UI, SSE, history, replay, re-run).
    run_id: view.runId,
    links: view.links,
  };
}

/** A run that did not complete: 202 while it still runs or waits, 422 when it ended otherwise. */
export function statusFor(view: RunView): number {
  return view.status === 'running' || view.status === 'waiting' ? 202 : 422;
}

export function failureBody(view: RunView) {
  if (view.status === 'running' || view.status === 'waiting')
    return { run_id: view.runId, status: view.status, links: view.links, detail: `run still ${view.status}` };
  const message = view.error
    ? `node "${view.error.nodeId}" failed: ${view.error.message}`
    : `the run ended ${view.status}`;
  return {
    error: { code: 'run_failed', message, details: { runId: view.runId, status: view.status, error: view.error } },
    detail: message,
  };
}
