import { createSseParser } from '../../events/index.js';

export interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/**
 * Reads a run's event stream until it ends (or `stopAfter` events), like a browser's EventSource
 * would, sending Last-Event-ID when given.
 */
export async function readStream(
  baseUrl: string,
  runId: string,
  o: {
    lastEventId?: number;
    stopAfter?: number;
    headers?: Record<string, string>;
    onComment?: (text: string) => void;
  } = {},
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/runs/${runId}/events`, {
    headers: {
      accept: 'text/event-stream',
      ...(o.lastEventId !== undefined ? { 'last-event-id': String(o.lastEventId) } : {}),
      ...o.headers,
    },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`events ${runId}: ${res.status} ${await res.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  const parse = createSseParser();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (const frame of parse(decoder.decode(chunk, { stream: true }))) {
        for (const comment of frame.comments) o.onComment?.(comment);
        if (frame.id === undefined || frame.data === undefined) continue;
        events.push({ id: Number(frame.id), event: frame.event ?? 'message', data: JSON.parse(frame.data) });
        if (o.stopAfter !== undefined && events.length >= o.stopAfter) {
          controller.abort();
          return events;
        }
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return events;
}
