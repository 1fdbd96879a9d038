import { authHeaders, unauthorized } from './api';

export interface RunEvent {
  seq: number;
  type: string;
  ts: string;
  runId: string;
  nodeId?: string;
  attempt?: number;
  [key: string]: unknown;
}

const TERMINAL = new Set(['run.completed', 'run.failed', 'run.cancelled']);

/** Splits a text stream into SSE frames (a frame ends at a blank line). */
function sseParser(): (text: string) => { id?: string; event?: string; data?: string }[] {
  let buffer = '';
  return (text) => {
    buffer += text.replace(/\r\n?/g, '\n');
    const frames = [];
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame: { id?: string; event?: string; data?: string } = {};
      for (const line of buffer.slice(0, end).split('\n')) {
        const at = line.indexOf(':');
        if (at <= 0) continue;
        const field = line.slice(0, at);
        const value = line.slice(at + 1).replace(/^ /, '');
        if (field === 'id' || field === 'event') frame[field] = value;
        else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
      }
      buffer = buffer.slice(end + 2);
      frames.push(frame);
    }
    return frames;
  };
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * Follows a run's events with fetch (so the API key travels in a header, which EventSource cannot
 * do), from the event after `afterSeq`. On a lost connection it reconnects with Last-Event-ID set to
 * the last event it delivered, and drops anything at or below it, so the caller sees every event
 * exactly once. Events that arrive together are delivered together (one redraw).
 */
export function followRun(
  runId: string,
  afterSeq: number,
  onEvents: (events: RunEvent[]) => void,
  onState: (state: StreamState) => void,
): () => void {
  const abort = new AbortController();
  let last = afterSeq;
  let stopped = false;
  void (async () => {
    let delay = 250;
    while (!stopped) {
      onState(last === afterSeq ? 'connecting' : 'reconnecting');
      try {
        const res = await fetch(`/api/v1/runs/${encodeURIComponent(runId)}/events`, {
          headers: {
            ...authHeaders(),
            accept: 'text/event-stream',
            ...(last > 0 ? { 'last-event-id': String(last) } : {}),
          },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          unauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        onState('live');
        delay = 250;
        const parse = sseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const batch: RunEvent[] = [];
          let ended = false;
          for (const frame of parse(value)) {
            if (frame.id === undefined || frame.data === undefined) continue;
            const seq = Number(frame.id);
            if (!(seq > last)) continue;
            last = seq;
            const event = { ...(JSON.parse(frame.data) as RunEvent), seq };
            batch.push(event);
            if (TERMINAL.has(event.type)) ended = true;
          }
          if (batch.length) onEvents(batch);
          if (ended) {
            stopped = true;
            abort.abort();
            onState('ended');
            return;
          }
        }
      } catch {
        if (stopped) return;
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  })();
  return () => {
    stopped = true;
    abort.abort();
  };
}
