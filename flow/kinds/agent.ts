import { z } from 'zod';
import { agentToolSchema } from '../agent-types.js';
import { defineKind } from './define.js';
import { OUTBOUND_ERRORS, SECRET_ERRORS } from './errors.js';
import { baseUrlParam, maxTokensParam, modelParam, orRef, temperatureParam } from './params.js';

/** A tool-calling loop (a child workflow); each model call and each tool call is its own activity. */
export const agent = defineKind({
  params: z
    .object({
      baseUrl: baseUrlParam,
      model: modelParam,
      /** A `{{secrets.NAME}}` reference; empty: the secret LLM_API_KEY when set. */
      apiKey: z.string().min(1).optional(),
      system: z.string().optional(),
      /** The user's message; a Message object (`{text}`) is read as its text. */
      prompt: z.unknown(),
      temperature: temperatureParam,
      maxTokens: maxTokensParam,
      maxIterations: orRef(z.number().int().min(1).max(1000)).optional(),
      tools: z.array(agentToolSchema).max(64).optional(),
      /** JSON Schema: after the loop, one more model call returns an object of this shape as `structured`. */
      outputSchema: z.record(z.string(), z.unknown()).optional(),
      /** Instructions for that structured call. */
      formatInstructions: z.string().optional(),
      /** Chat memory: earlier messages of this session (Postgres) are sent before the prompt. */
      sessionId: z.unknown().optional(),
      historyMessages: orRef(z.number().int().min(0).max(10_000)).optional(),
      /** A message id left out of the history (the prompt itself, already stored by a `message` node). */
      excludeMessageId: z.unknown().optional(),
      /** History events one agent execution may spend before it continues as new (default 2000). */
      historyBudget: orRef(z.number().int().min(50).max(40_000)).optional(),
    })
    .strict(),
  runsIn: 'workflow',
  heartbeats: true,
  secretFields: [],
  secretRefFields: ['apiKey'],
  // The tools and the key resolve inside the agent's activities.
  unscopedFields: ['tools', 'apiKey'],
  errorTypes: [
    'InvalidParams',
    ...SECRET_ERRORS,
    ...OUTBOUND_ERRORS,
    'LlmClientError',
    'LlmServerError',
    'InvalidStructuredOutput',
    'AgentMaxIterations',
    'ChildCancelled',
  ],
});
