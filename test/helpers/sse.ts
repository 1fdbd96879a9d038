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
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let index;
      while ((index = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        const fields: Record<string, string> = {};
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) o.onComment?.(line.slice(1).trim());
          const at = line.indexOf(':');
          if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
        }
        if (fields.id !== undefined && fields.data !== undefined) {
          events.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
          if (o.stopAfter !== undefined && events.length >= o.stopAfter) {
            controller.abort();
            return events;
          }
        }
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return events;
}
