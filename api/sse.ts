import type { Request, Response } from 'express';
import { TERMINAL_RUN_EVENTS, type EventType } from '../flow/index.js';
import { apiMetrics, readEvents, type Sql } from '../lib/index.js';
import type { EventHub } from './event-hub.js';

export const KEEP_ALIVE_MS = 15_000;

export interface StreamDeps {
  sql: Sql;
  hub: EventHub;
  keepAliveMs?: number;
  /** Open streams, closed on shutdown. */
  open: Set<Response>;
}

/**
 * Streams a run's events: every stored event after Last-Event-ID, then live ones as NOTIFY wakes
 * the stream. The cursor is the last sequence number sent, and reads are ordered by it, so a
 * reconnect with Last-Event-ID yields no gap and no duplicate. Ends after the terminal run event.
 */
export function streamRunEvents(deps: StreamDeps, req: Request, res: Response, runId: string): void {
  const header =
    req.header('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
  let cursor = header && /^\d+$/.test(header) ? Number(header) : 0;
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 1000\n\n');
  deps.open.add(res);

  const openedAt = Date.now();
  let reading = false;
  let again = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(keepAlive);
    deps.open.delete(res);
    res.end();
  };
  const pump = async (): Promise<void> => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          const events = await readEvents(deps.sql, runId, cursor, 500);
          for (const e of events) {
            res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, seq: e.seq })}\n\n`);
            const written = Date.parse(e.ts);
            if (written >= openedAt) apiMetrics.eventLag.observe(Math.max(0, Date.now() - written) / 1000);
            cursor = e.seq;
            if (TERMINAL_RUN_EVENTS.includes(e.type as EventType)) return close();
          }
          if (events.length < 500) break;
        }
      } while (again && !closed);
    } catch {
      close();
    } finally {
      reading = false;
    }
  };
  const unsubscribe = deps.hub.subscribe(runId, () => void pump());
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), deps.keepAliveMs ?? KEEP_ALIVE_MS);
  req.on('close', close);
  void pump();
}
