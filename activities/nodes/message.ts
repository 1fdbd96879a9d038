import type { MessageParams } from '../../flow/index.js';
import type { Sql } from '../../infra/index.js';
import type { NodeContext } from '../node-context.js';

/** A chat message as Langflow's Message keeps it: the fields downstream components read. */
export interface ChatMessage {
  id: string;
  text: string;
  sender: string;
  sender_name: string;
  session_id: string | null;
  timestamp: string;
  component_id: string;
}

/** The text of a value: a string as it is, a Message/Data's `text`, rows through `dataTemplate`, else JSON. */
export function textOf(value: unknown, dataTemplate?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => textOf(v, dataTemplate)).join('\n');
  const obj = value as Record<string, unknown>;
  if (typeof obj.text === 'string') return obj.text;
  if (dataTemplate && dataTemplate !== '{text}') {
    const row = typeof obj.data === 'object' && obj.data !== null ? (obj.data as Record<string, unknown>) : obj;
    return dataTemplate.replace(/\{([A-Za-z_][\w-]*)\}/g, (_, k: string) => textOf(row[k]));
  }
  return JSON.stringify(value, null, 2);
}

/**
 * Makes a Message; with `store` and a session id, keeps it in the session's chat memory. The row id
 * is the node's idempotency key, so a retried attempt stores it once.
 */
export function message(sql: Sql) {
  return async (params: MessageParams, ctx: NodeContext): Promise<ChatMessage> => {
    const inputType = typeof params.inputType === 'string' ? params.inputType : undefined;
    const refused = params.accepts && inputType && inputType !== 'any' && inputType !== params.accepts;
    let text = refused ? '' : textOf(params.text, params.dataTemplate);
    if (!text && params.default) text = params.default;
    const sessionId =
      typeof params.sessionId === 'string' && params.sessionId
        ? params.sessionId
        : typeof params.sessionId === 'number'
          ? String(params.sessionId)
          : null;
    const id = `${ctx.idempotencyKey.slice(0, 8)}-${ctx.idempotencyKey.slice(8, 12)}-${ctx.idempotencyKey.slice(12, 16)}-${ctx.idempotencyKey.slice(16, 20)}-${ctx.idempotencyKey.slice(20, 32)}`;
    const sender = params.sender ?? 'Machine';
    const senderName = params.senderName ?? (sender === 'User' ? 'User' : 'AI');
    let timestamp = new Date().toISOString();
    if (params.store && sessionId) {
      const [row] = await sql<{ created_at: Date }[]>`
        INSERT INTO chat_messages (id, session_id, run_id, sender, sender_name, text)
        VALUES (${id}, ${sessionId}, ${ctx.runId}, ${sender}, ${senderName}, ${text})
        ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
        RETURNING created_at`;
      timestamp = row.created_at.toISOString();
    }
    return {
      id,
      text,
      sender,
      sender_name: senderName,
      session_id: sessionId,
      timestamp,
      component_id: ctx.nodeId,
    };
  };
}
