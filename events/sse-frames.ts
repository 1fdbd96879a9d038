import type { StoredEvent } from './event-log.js';

/** One stored event as a Server-Sent Events frame: its sequence number is the frame id (Last-Event-ID). */
export function sseFrame(e: StoredEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, seq: e.seq })}\n\n`;
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comments: string[];
}

/**
 * Incremental Server-Sent Events parser: feed decoded text, get complete frames (a frame ends at
 * a blank line). Used by the CLI, the tests and the benchmarks.
 */
export function createSseParser(): (text: string) => SseFrame[] {
  let buffer = '';
  return (text) => {
    buffer += text;
    const frames: SseFrame[] = [];
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame: SseFrame = { comments: [] };
      for (const line of buffer.slice(0, end).split('\n')) {
        if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
        const at = line.indexOf(':');
        if (at <= 0) continue;
        const field = line.slice(0, at);
        if (field === 'id' || field === 'event' || field === 'data') frame[field] = line.slice(at + 1).trimStart();
      }
      buffer = buffer.slice(end + 2);
      frames.push(frame);
    }
    return frames;
  };
}
