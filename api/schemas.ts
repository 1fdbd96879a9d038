import { z } from 'zod';

/** Request schemas: routes validate with them and api/openapi.ts documents them. */
export const runRequestSchema = z
  .object({
    inputs: z.record(z.string(), z.unknown()).optional(),
    tweaks: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    version: z.number().int().positive().optional(),
    priority: z.number().int().min(1).max(5).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
    fairnessKey: z.string().min(1).max(200).optional(),
  })
  .strict();
export type RunRequest = z.infer<typeof runRequestSchema>;

export const waitSchema = z.coerce.number().min(0).max(300);

export const listRunsSchema = z.object({
  flow: z.string().min(1).max(200).optional(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const rerunSchema = z
  .object({ fromNode: z.string().min(1), inputs: z.record(z.string(), z.unknown()).optional() })
  .strict();

export const approvalSchema = z
  .object({ approved: z.boolean(), comment: z.string().max(10_000).optional(), by: z.string().max(200).optional() })
  .strict();

/** Langflow's run request (SimplifiedAPIRequest); unknown fields are ignored, as Langflow does. */
export const langflowRunSchema = z.object({
  input_value: z.string().nullish(),
  input_type: z.enum(['chat', 'text', 'any']).nullish(),
  output_type: z.enum(['chat', 'text', 'any', 'debug']).nullish(),
  output_component: z.string().nullish(),
  tweaks: z.record(z.string(), z.unknown()).nullish(),
  session_id: z.string().nullish(),
});
