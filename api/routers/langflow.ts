import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  applyLangflowTweaks,
  convertLangflow,
  exportProblems,
  type ConvertResult,
  type LangflowExport,
} from '../../langflow/index.js';
import { TERMINAL_RUN_EVENTS, type EventType, type FlowDefinition, type Tweaks } from '../../flow/index.js';
import type { Sql } from '../../infra/index.js';
import type { StoredEvent } from '../../events/index.js';
import type { EventHub } from '../../events/index.js';
import { checkDefinition, createFlow, getFlow, updateFlow, type FlowRecord } from '../flow-store.js';
import { HttpError, notFound } from '../http-error.js';
import type { RunService, RunView } from '../run-service.js';
import { parseBody } from '../validation.js';
import { langflowRunSchema, runRequestSchema } from '../schemas.js';

type LangflowRunRequest = z.infer<typeof langflowRunSchema>;

const importQuery = z.object({
  allowUnsupported: z.enum(['true', 'false']).optional(),
  webSearchUrl: z.string().url().optional(),
  name: z.string().optional(),
});

/** Longest a non-streaming /run waits for the run to finish. */
const RUN_WAIT_SECONDS = 300;

interface Source {
  export: LangflowExport;
  options: { webSearchUrl?: string };
}

/**
 * Langflow compatibility: import a Langflow export, and Langflow's `/run` and `/webhook` endpoints
 * (with `x-api-key`, tweaks and `?stream=true`) over ordinary Tempoflow runs.
 */
export function langflowRouter(sql: Sql, runs: RunService, hub: EventHub, open: Set<Response>): Router {
  const router = Router();

  router.post('/flows/import/langflow', async (req, res) => {
    const query = parseBody(importQuery, req.query, 'query');
    const problems = exportProblems(req.body);
    if (problems.length)
      throw new HttpError(
        400,
        'invalid_request',
        `not a Langflow export: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems,
      );
    const exp = req.body as LangflowExport;
    const options = { webSearchUrl: query.webSearchUrl };
    const converted = convertLangflow(exp, { ...options, ...(query.name ? { name: query.name } : {}) });
    if (converted.unsupported.length && query.allowUnsupported !== 'true') {
      const details = converted.unsupported.map((u) => ({
        path: `$.data.nodes[${exp.data.nodes.findIndex((n) => n.id === u.id)}]`,
        message: u.reason,
        ...u,
      }));
      throw new HttpError(
        422,
        'unsupported_components',
        `${details.length} component${details.length === 1 ? ' is' : 's are'} not supported: ${details
          .map((d) => `${d.id} (${d.type}): ${d.reason}`)
          .join('; ')}. Import with ?allowUnsupported=true to store the flow with them marked.`,
        details,
      );
    }
    const definition = await checkDefinition(sql, converted.definition);
    const existing = await getFlow(sql, definition.name);
    const stored = existing ? await updateFlow(sql, existing.id, definition) : await createFlow(sql, definition);
    await sql`
      INSERT INTO langflow_sources (flow_id, version, source)
      VALUES (${stored.id}, ${stored.version}, ${sql.json({ export: exp, options } as never)})`;
    res.status(201).json({
      id: stored.id,
      name: stored.name,
      version: stored.version,
      components: converted.components,
      unsupported: converted.unsupported,
      ids: converted.ids,
    });
  });

  router.post('/run/:flow', async (req, res) => {
    const body = parseBody(langflowRunSchema, req.body ?? {});
    const { flow, source, converted, tweaks } = await prepare(sql, req.params.flow, body.tweaks);
    const sessionId = body.session_id || flow.id;
    const started = await runs.start(
      flow.id,
      {
        version: flow.version,
        inputs: {
          input_value: body.input_value ?? null,
          input_type: body.input_type ?? 'chat',
          session_id: sessionId,
          ...(source ? {} : { input: body.input_value ?? null }),
        },
        ...(tweaks ? { tweaks } : {}),
      },
      'api',
    );
    res.setHeader('x-tempoflow-run-id', started.runId);
    const select = selection(flow.definition, converted, body);
    if (req.query.stream === 'true') {
      await stream(req, res, { sql, runs, hub, open }, started.runId, flow, converted, select, sessionId, body);
      return;
    }
    await runs.waitFor(started.runId, RUN_WAIT_SECONDS);
    const view = await runs.get(started.runId);
    if (view.status !== 'completed') return void res.status(statusFor(view)).json(failureBody(view));
    res.json(runResponse(view, flow, converted, select, sessionId, body));
  });

  router.post('/webhook/:flow', async (req, res) => {
    const { flow } = await prepare(sql, req.params.flow, undefined);
    const data: unknown = req.body ?? null;
    const started = await runs.start(
      flow.id,
      {
        version: flow.version,
        inputs: {
          data,
          input_value: typeof data === 'string' ? data : JSON.stringify(data),
          session_id: flow.id,
        },
        ...(req.header('idempotency-key') ? { idempotencyKey: req.header('idempotency-key')! } : {}),
      },
      'webhook',
    );
    res.status(202).json({ ...started, message: 'Task started in the background', status: 'in progress' });
  });

  return router;
}

/** The flow, its Langflow source (if imported) converted with the tweaks, and the tweaks as native ones. */
async function prepare(sql: Sql, ref: string, lfTweaks: Record<string, unknown> | null | undefined) {
  const flow = await getFlow(sql, ref);
  if (!flow) throw notFound(`flow "${ref}"`);
  const [row] = await sql<{ source: Source }[]>`
    SELECT source FROM langflow_sources WHERE flow_id = ${flow.id} AND version = ${flow.version}`;
  const source = row?.source;
  if (!source) {
    // A native flow: tweaks are native ones ({nodeId: {param: value}}).
    const tweaks = lfTweaks ? parseBody(runRequestSchema.shape.tweaks, lfTweaks, 'tweaks') : undefined;
    return { flow, source, converted: undefined, tweaks: tweaks as Tweaks | undefined };
  }
  const tweaked = applyLangflowTweaks(source.export, lfTweaks);
  if (tweaked.problems.length)
    throw new HttpError(
      400,
      'invalid_request',
      `invalid tweaks: ${tweaked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      tweaked.problems,
    );
  const converted = convertLangflow(tweaked.export, { ...source.options, name: flow.name });
  const tweaks: Tweaks = {};
  const stored = new Map(flow.definition.nodes.map((n) => [n.id, n]));
  for (const node of converted.definition.nodes) {
    const before = stored.get(node.id);
    if (before && JSON.stringify(before.params ?? {}) !== JSON.stringify(node.params ?? {}))
      tweaks[node.id] = node.params ?? {};
  }
  return { flow, source, converted, tweaks: Object.keys(tweaks).length ? tweaks : undefined };
}

interface Selected {
  /** Native output name → how Langflow names the component. */
  name: string;
  id: string;
  displayName: string;
}

/** The output components Langflow would report for this request (output_type, output_component). */
function selection(def: FlowDefinition, converted: ConvertResult | undefined, body: LangflowRunRequest): Selected[] {
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

interface LangflowMessage {
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

function toMessage(value: unknown, o: Selected, flowId: string, sessionId: string): LangflowMessage {
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
function runResponse(
  view: RunView,
  flow: FlowRecord,
  converted: ConvertResult | undefined,
  select: Selected[],
  sessionId: string,
  body: LangflowRunRequest,
) {
  const results = select.map((o) => {
    const message = toMessage(view.outputs[o.name], o, flow.id, sessionId);
    return {
      results: { message },
      artifacts: {
        message: message.text,
        sender: message.sender,
        sender_name: message.sender_name,
        files: [],
        type: 'object',
      },
      outputs: { message: { message, type: 'object' } },
      logs: { message: [] },
      messages: [
        {
          message: message.text,
          sender: message.sender,
          sender_name: message.sender_name,
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
  void converted;
  return {
    session_id: sessionId,
    outputs: [{ inputs: { input_value: body.input_value ?? null }, outputs: results }],
    // Tempoflow's own handle on the run (Temporal UI, SSE, history, replay, re-run).
    run_id: view.runId,
    links: view.links,
  };
}

function statusFor(view: RunView): number {
  return view.status === 'running' || view.status === 'waiting' ? 202 : 422;
}

function failureBody(view: RunView) {
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

/**
 * `?stream=true`: Langflow's framing, one JSON object per event followed by a blank line:
 * `add_message` (each chat message as it is made), `token` (model tokens), `end_vertex` (a
 * component finished), then `end` with the RunResponse, or `error`.
 */
async function stream(
  req: Request,
  res: Response,
  deps: { sql: Sql; runs: RunService; hub: EventHub; open: Set<Response> },
  runId: string,
  flow: FlowRecord,
  converted: ConvertResult | undefined,
  select: Selected[],
  sessionId: string,
  body: LangflowRunRequest,
): Promise<void> {
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  deps.open.add(res);
  const send = (event: string, data: unknown) => res.write(`${JSON.stringify({ event, data })}\n\n`);
  const reverse = new Map(Object.entries(converted?.ids ?? {}).map(([lf, native]) => [native, lf]));
  const messageNodes = new Set(flow.definition.nodes.filter((n) => n.type === 'message').map((n) => n.id));
  const outputOf = new Map(select.map((o) => [o.name, o]));
  /** The last event handed over by the hub (synchronously: the hub reads on from it). */
  let cursor = 0;
  let closed = false;
  const queue: StoredEvent[] = [];
  let working = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    deps.open.delete(res);
    res.end();
  };
  const handle = async (e: StoredEvent): Promise<void> => {
    const lfId = e.nodeId ? (reverse.get(e.nodeId) ?? e.nodeId) : undefined;
    if (e.type === 'node.token') {
      send('token', { chunk: String(e.data.token ?? ''), id: `${runId}-${e.nodeId}`, timestamp: e.ts });
    } else if (e.type === 'node.completed' && e.nodeId && !e.nodeId.endsWith('_out')) {
      if (messageNodes.has(e.nodeId)) {
        const view = await deps.runs.get(runId);
        const o = outputOf.get(e.nodeId) ?? { name: e.nodeId, id: lfId!, displayName: lfId! };
        send('add_message', toMessage(view.nodes[e.nodeId]?.output, o, flow.id, sessionId));
      }
      send('end_vertex', { build_data: { id: lfId, valid: true, timestamp: e.ts } });
    } else if (e.type === 'run.failed' || e.type === 'run.cancelled') {
      const view = await deps.runs.get(runId);
      send('error', { error: failureBody(view).detail, run_id: runId });
    } else if (e.type === 'run.completed') {
      const view = await deps.runs.get(runId);
      send('end', { result: runResponse(view, flow, converted, select, sessionId, body) });
    }
    if (TERMINAL_RUN_EVENTS.includes(e.type as EventType)) finish();
  };
  /** Frames the queued events one at a time, in order (some need the run's view first). */
  const work = async (): Promise<void> => {
    if (working) return;
    working = true;
    try {
      while (queue.length > 0 && !closed) await handle(queue.shift()!);
    } catch (err) {
      send('error', { error: (err as Error).message });
      finish();
    } finally {
      working = false;
    }
  };
  // The hub reads each run's events once for every stream watching it and hands them over here.
  const unsubscribe = deps.hub.subscribe(runId, {
    get cursor() {
      return cursor;
    },
    ready: () => !closed,
    deliver(events) {
      for (const e of events) {
        if (e.seq <= cursor) continue;
        cursor = e.seq;
        queue.push(e);
      }
      void work();
    },
    fail: () => finish(),
  });
  req.on('close', finish);
  res.on('close', finish);
}
