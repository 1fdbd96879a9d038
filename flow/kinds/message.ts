import { z } from 'zod';
import { defineKind } from './define.js';

/** A Langflow-style Message, optionally kept in the session's chat memory. */
export const message = defineKind({
  params: z
    .object({
      /** The text: a string, or a Message/Data value whose `text` is used, or any JSON (rendered). */
      text: z.unknown().optional(),
      /** Used when `text` is empty or null. */
      default: z.string().optional(),
      sender: z.string().optional(),
      senderName: z.string().optional(),
      sessionId: z.unknown().optional(),
      /** Keep the message in the session's chat memory (Postgres). */
      store: z.boolean().optional(),
      /** `chat` or `text`: which Langflow input_type this message accepts (`inputType` names the run's). */
      accepts: z.enum(['chat', 'text']).optional(),
      inputType: z.unknown().optional(),
      /** Data/DataFrame rendering: each row through this `{field}` template (Langflow's data_template). */
      dataTemplate: z.string().optional(),
    })
    .strict(),
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams'],
});
