import { TERMINAL_RUN_EVENTS, type EventType } from '../flow/index.js';
import { createSseParser } from '../events/index.js';
import { sleep } from './services.js';

/** One run as its event stream showed it. */
export interface Followed {
  runId: string;
  started: number;
  ended?: number;
  terminal?: string;
  events: { id: number; type: string; nodeId?: string; reason?: string; attempt?: number }[];
  gaps: number;
  duplicates: number;
}

/**
 * Follows a run's stream as a browser's EventSource does: on any error or end without a terminal
 * event it reconnects after a second with Last-Event-ID. Checks that ids go up by exactly one.
 */
export async function follow(base: string, f: Followed, deadline: number): Promise<void> {
  let last = 0;
  while (!f.terminal && Date.now() < deadline) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
    try {
      const res = await fetch(`${base}/api/v1/runs/${f.runId}/events`, {
        headers: { accept: 'text/event-stream', ...(last ? { 'last-event-id': String(last) } : {}) },
        signal: controller.signal,
      });
      if (res.status === 200 && res.body) {
        const parse = createSseParser();
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          for (const frame of parse(decoder.decode(chunk, { stream: true }))) {
            if (frame.id === undefined || frame.data === undefined) continue;
            const id = Number(frame.id);
            if (id <= last) f.duplicates += 1;
            else if (id !== last + 1) f.gaps += 1;
            last = Math.max(last, id);
            const data = JSON.parse(frame.data) as { nodeId?: string; reason?: string; attempt?: number };
            f.events.push({
              id,
              type: frame.event ?? '',
              nodeId: data.nodeId,
              reason: data.reason,
              attempt: data.attempt,
            });
            if (TERMINAL_RUN_EVENTS.includes(frame.event as EventType)) {
              f.terminal = frame.event;
              f.ended = Date.now();
            }
          }
        }
      } else await res.body?.cancel();
    } catch {
      /* the API or the connection went away: reconnect */
    } finally {
      clearTimeout(timer);
    }
    if (!f.terminal) await sleep(1000);
  }
}

/** Nodes whose node.started came again after their node.completed. */
export function reexecuted(events: Followed['events']): number {
  const done = new Set<string>();
  const again = new Set<string>();
  for (const e of events) {
    if (!e.nodeId) continue;
    if (e.type === 'node.completed') done.add(e.nodeId);
    else if (e.type === 'node.started' && done.has(e.nodeId)) again.add(e.nodeId);
  }
  return again.size;
}

/** A one-line account of a run's events, `id:type:node(reason)@attempt` each. */
export function eventTrail(f: Followed): string {
  return f.events
    .map(
      (e) => `${e.id}:${e.type}${e.nodeId ? `:${e.nodeId}` : ''}${e.reason ? `(${e.reason})` : ''}@${e.attempt ?? ''}`,
    )
    .join(' ');
}
