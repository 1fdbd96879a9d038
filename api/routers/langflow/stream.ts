import type { Request, Response } from 'express';
import { TERMINAL_RUN_EVENTS, type EventType } from '../../../flow/index.js';
import type { StoredEvent } from '../../../events/index.js';
import type { EventHub } from '../../../events/index.js';
import type { Logger } from '../../../infra/index.js';
import type { RunService } from '../../run-service.js';
import { failureBody, runResponse, toMessage, type LangflowRun } from './response.js';
import { openStream } from '../../sse.js';

export interface StreamDeps {
  runs: RunService;
  hub: EventHub;
  /** Open streams, ended when the server closes. */
  open: Set<Response>;
  logger: Logger;
  /** Called once when the stream ends (gives its slot back). */
  onClose?: () => void;
  /** How often a quiet stream sends a blank line (KEEP_ALIVE_MS by default). */
  keepAliveMs?: number;
}

/**
 * `?stream=true`: Langflow's framing, one JSON object per event followed by a blank line:
 * `add_message` (each chat message as it is made), `token` (model tokens), `end_vertex` (a
 * component finished), then `end` with the RunResponse, or `error`.
 */
export function streamRun(req: Request, res: Response, deps: StreamDeps, run: LangflowRun): void {
  // A blank line while the run is quiet: every Langflow client skips it (they read JSON objects
  // and pass over anything before the next `{`), and proxies see the stream alive.
  const stopKeepAlive = openStream(res, { keepAliveMs: deps.keepAliveMs, keepAlive: '\n' });
  deps.open.add(res);
  const send = (event: string, data: unknown) => res.write(`${JSON.stringify({ event, data })}\n\n`);
  const frame = langflowFrames(deps.runs, run, send);
  /** The last event handed over by the hub (synchronously: the hub reads on from it). */
  let cursor = 0;
  let closed = false;
  const queue: StoredEvent[] = [];
  let working = false;
  /** Set while the client's socket is full: the hub holds back events until it drains. */
  let resume: (() => void) | undefined;
  res.on('drain', () => resume?.());
  const finish = () => {
    if (closed) return;
    closed = true;
    resume?.();
    unsubscribe();
    stopKeepAlive();
    deps.open.delete(res);
    deps.onClose?.();
    res.end();
  };
  /** Frames the queued events one at a time, in order (some need the run's view first). */
  const work = async (): Promise<void> => {
    if (working) return;
    working = true;
    try {
      while (queue.length > 0 && !closed) {
        const e = queue.shift()!;
        await frame(e);
        if (TERMINAL_RUN_EVENTS.includes(e.type as EventType)) finish();
        else if (res.writableNeedDrain) {
          // A client that does not read is not buffered for: take no events until it drains.
          await new Promise<void>((r) => (resume = r));
          resume = undefined;
          if (!closed) deps.hub.wake(run.runId);
        }
      }
    } catch (err) {
      // Postgres or Temporal text may name hosts: logged here, a fixed sentence to the client.
      deps.logger.error({ err, runId: run.runId }, 'langflow stream failed');
      send('error', { error: 'the event stream failed; read the run with GET /api/v1/runs/:runId' });
      finish();
    } finally {
      working = false;
    }
  };
  // The hub reads each run's events once for every stream watching it and hands them over here.
  const unsubscribe = deps.hub.subscribe(run.runId, {
    get cursor() {
      return cursor;
    },
    ready: () => !closed && resume === undefined,
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

/** Sends the Langflow frames one run event stands for (none for most). */
function langflowFrames(
  runs: RunService,
  run: LangflowRun,
  send: (event: string, data: unknown) => void,
): (e: StoredEvent) => Promise<void> {
  const { runId, flow, sessionId } = run;
  const reverse = new Map(Object.entries(run.converted?.ids ?? {}).map(([lf, native]) => [native, lf]));
  const messageNodes = new Set(flow.definition.nodes.filter((n) => n.type === 'message').map((n) => n.id));
  const outputOf = new Map(run.select.map((o) => [o.name, o]));
  return async (e) => {
    const lfId = e.nodeId ? (reverse.get(e.nodeId) ?? e.nodeId) : undefined;
    if (e.type === 'node.token') {
      send('token', { chunk: String(e.data.token ?? ''), id: `${runId}-${e.nodeId}`, timestamp: e.ts });
    } else if (e.type === 'node.completed' && e.nodeId && !e.nodeId.endsWith('_out')) {
      if (messageNodes.has(e.nodeId)) {
        const view = await runs.get(runId);
        const o = outputOf.get(e.nodeId) ?? { name: e.nodeId, id: lfId!, displayName: lfId! };
        send('add_message', toMessage(view.nodes[e.nodeId]?.output, o, flow.id, sessionId));
      }
      send('end_vertex', { build_data: { id: lfId, valid: true, timestamp: e.ts } });
    } else if (e.type === 'run.failed' || e.type === 'run.cancelled') {
      const view = await runs.get(runId);
      send('error', { error: failureBody(view).detail, run_id: runId });
    } else if (e.type === 'run.completed') {
      const view = await runs.get(runId);
      send('end', { result: runResponse(view, run) });
    }
  };
}
