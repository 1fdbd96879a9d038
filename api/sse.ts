import type { Request, Response } from 'express';
import { TERMINAL_RUN_EVENTS, type EventType } from '../flow/index.js';
import { sseFrame, type EventHub, type StoredEvent, type Subscriber } from '../events/index.js';
import { apiMetrics } from '../infra/index.js';
import { HttpError } from './http-error.js';

export const KEEP_ALIVE_MS = 15_000;

export interface StreamDeps {
  hub: EventHub;
  keepAliveMs?: number;
  /** Open streams, closed on shutdown. */
  open: Set<Response>;
  /** Called once when the stream ends. */
  onClose?: () => void;
}

/** Counts open event streams: per key (or client address without keys) and in total. */
export class StreamGate {
  private total = 0;
  private readonly perKey = new Map<string, number>();

  constructor(
    readonly max: number,
    readonly maxPerKey: number,
  ) {}

  /** Takes a slot or throws 429 (this key has too many) / 503 (the server has too many); returns the release. */
  admit(holder: string): () => void {
    const mine = this.perKey.get(holder) ?? 0;
    if (mine >= this.maxPerKey)
      throw new HttpError(
        429,
        'too_many_streams',
        `${this.maxPerKey} event streams are already open for this key; close one (or reconnect later)`,
      );
    if (this.total >= this.max)
      throw new HttpError(
        503,
        'too_many_streams',
        `the server has ${this.max} event streams open, its limit; retry shortly`,
      );
    this.total++;
    this.perKey.set(holder, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perKey.get(holder) ?? 1) - 1;
      if (left <= 0) this.perKey.delete(holder);
      else this.perKey.set(holder, left);
    };
  }
}

/** The sequence number the client has (Last-Event-ID, or ?lastEventId= for clients that cannot set headers); 0 when none. */
export function lastEventIdOf(req: Request): number {
  const header =
    req.header('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
  return header && /^\d{1,15}$/.test(header) ? Number(header) : 0;
}

/**
 * Starts a streaming response: the event-stream headers (no caching, no proxy buffering), then
 * `keepAlive` every `keepAliveMs` while nothing else is being written, so proxies and load
 * balancers do not close a stream that is quiet while a node works. Returns the stop for the timer.
 */
export function openStream(res: Response, o: { keepAliveMs?: number; keepAlive: string }): () => void {
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const timer = setInterval(() => {
    if (!res.writableNeedDrain) res.write(o.keepAlive);
  }, o.keepAliveMs ?? KEEP_ALIVE_MS);
  return () => clearInterval(timer);
}

/**
 * Streams a run's events: every stored event after Last-Event-ID, then live ones as the hub reads
 * them. The cursor is the last sequence number sent, and reads are ordered by it, so a reconnect
 * with Last-Event-ID yields no gap and no duplicate. A slow client is not buffered for: once its
 * socket buffer is full the stream stops taking events and resumes from its cursor on 'drain'.
 * Ends after the terminal run event.
 */
export function streamRunEvents(deps: StreamDeps, req: Request, res: Response, runId: string): void {
  let cursor = lastEventIdOf(req);
  const stopKeepAlive = openStream(res, { keepAliveMs: deps.keepAliveMs, keepAlive: ': keep-alive\n\n' });
  res.write('retry: 1000\n\n');
  deps.open.add(res);

  const openedAt = Date.now();
  let closed = false;
  let paused = false;
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    stopKeepAlive();
    deps.open.delete(res);
    deps.onClose?.();
    res.end();
  };
  const subscriber: Subscriber = {
    get cursor() {
      return cursor;
    },
    ready: () => !closed && !paused,
    deliver(events: StoredEvent[]) {
      for (const e of events) {
        if (e.seq <= cursor) continue;
        const more = res.write(sseFrame(e));
        const written = Date.parse(e.ts);
        if (written >= openedAt) apiMetrics.eventLag.observe(Math.max(0, Date.now() - written) / 1000);
        cursor = e.seq;
        if (TERMINAL_RUN_EVENTS.includes(e.type as EventType)) return close();
        if (!more) {
          paused = true;
          return;
        }
      }
    },
    fail: () => close(),
  };
  res.on('drain', () => {
    if (!paused || closed) return;
    paused = false;
    deps.hub.wake(runId);
  });
  req.on('close', close);
  const unsubscribe = deps.hub.subscribe(runId, subscriber);
}
