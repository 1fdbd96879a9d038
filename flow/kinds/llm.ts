import { z } from 'zod';
import { defineKind } from './define.js';
import { OUTBOUND_ERRORS, SECRET_ERRORS } from './errors.js';
import { baseUrlParam, maxBytesParam, maxTokensParam, modelParam, temperatureParam } from './params.js';

/** One chat completion on an OpenAI-compatible API, streamed as `node.token` events. */
export const llm = defineKind({
  params: z
    .object({
      baseUrl: baseUrlParam,
      model: modelParam,
      system: z.string().optional(),
      prompt: z.string().min(1),
      temperature: temperatureParam,
      maxTokens: maxTokensParam,
      maxBytes: maxBytesParam,
      /** Must be a `{{secrets.NAME}}` reference when saved; the value at run time. */
      apiKey: z.string().min(1).optional(),
    })
    .strict(),
  runsIn: 'activity',
  heartbeats: true,
  secretFields: ['baseUrl', 'apiKey'],
  secretRefFields: ['apiKey'],
  errorTypes: ['InvalidParams', ...SECRET_ERRORS, ...OUTBOUND_ERRORS, 'LlmClientError', 'LlmServerError'],
});
