import { TERMINAL_RUN_EVENTS, type EventType } from '../flow/index.js';
import { createSseParser } from '../events/index.js';

/** A small client of the Tempoflow HTTP API for the CLI. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const error = (body as { error?: { message?: string; details?: { path: string; message: string }[] } })?.error;
    const details = error?.details?.length
      ? `\n${error.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}`
      : '';
    super(`${error?.message ?? `HTTP ${status}`}${details}`);
  }
}

export function createApiClient(baseUrl: string, apiKey?: string) {
  const headers = (extra: Record<string, string> = {}) => ({
    'x-tempoflow-origin': 'cli',
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    ...extra,
  });
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(
        `cannot reach the Tempoflow API at ${baseUrl} (${(err as Error).message}); start it (npm run dev) or set TEMPOFLOW_URL`,
      );
    }
    const text = await res.text();
    const parsed = text
      ? (() => {
          try {
            return JSON.parse(text);
          } catch {
            return text;
          }
        })()
      : null;
    if (!res.ok) throw new ApiError(res.status, parsed);
    return parsed as T;
  }
  /** Yields the run's events (resuming with Last-Event-ID after a dropped connection) until the stream ends. */
  async function* events(runId: string): AsyncGenerator<{ id: number; event: string; data: any }> {
    let last: number | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      let ended = false;
      try {
        const res = await fetch(`${baseUrl}/api/v1/runs/${runId}/events`, {
          headers: headers(last !== undefined ? { 'last-event-id': String(last) } : {}),
        });
        if (!res.ok || !res.body) throw new ApiError(res.status, await res.json().catch(() => null));
        const decoder = new TextDecoder();
        const parse = createSseParser();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          for (const frame of parse(decoder.decode(chunk, { stream: true }))) {
            if (!frame.id || !frame.data) continue;
            last = Number(frame.id);
            yield { id: last, event: frame.event ?? 'message', data: JSON.parse(frame.data) };
            if (TERMINAL_RUN_EVENTS.includes(frame.event as EventType)) ended = true;
          }
        }
        if (ended) return;
      } catch (err) {
        if (err instanceof ApiError) throw err;
      }
      if (ended) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { request, events };
}
