import { z } from 'zod';
import { DURATION_PATTERN, FLOW_NAME_PATTERN, MAX_VERSION, parseDuration } from '../flow/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A flow version number (Postgres integer). */
export const versionSchema = z.number().int().positive().max(MAX_VERSION);

/** Request schemas: routes validate with them and api/openapi.ts documents them. */
export const runRequestSchema = z
  .object({
    inputs: z.record(z.string(), z.unknown()).optional(),
    tweaks: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    version: versionSchema.optional(),
    priority: z.number().int().min(1).max(5).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
    fairnessKey: z.string().min(1).max(200).optional(),
  })
  .strict();
export type RunRequest = z.infer<typeof runRequestSchema>;

export const waitSchema = z.coerce.number().min(0).max(300);

/** Query of POST /flows/:flow/runs: checked before the run starts. */
export const runQuerySchema = z.object({ wait: waitSchema.optional() }).strict();

export const flowQuerySchema = z.object({ version: z.coerce.number().pipe(versionSchema).optional() }).strict();

export const listRunsSchema = z.object({
  flow: z
    .string()
    .refine((v) => FLOW_NAME_PATTERN.test(v) || UUID.test(v), 'a flow name or id')
    .optional(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  /** `nextPageToken` of the previous page. */
  pageToken: z.string().min(1).max(4000).optional(),
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
export const scheduleRequestSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,62}$/,
        'lowercase letters, digits and "-", starting with a letter or digit, at most 63',
      )
      .optional(),
    cron: z.string().min(1).max(200).optional(),
    interval: z
      .string()
      .regex(DURATION_PATTERN, 'a duration such as "30s", "15m", "1h", "1d"')
      .refine((d) => (parseDuration(d) ?? 0) >= 1000, 'at least 1s')
      .optional(),
    timezone: z.string().min(1).max(100).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    overlap: z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all']).optional(),
    version: z.number().int().positive().optional(),
    priority: z.number().int().min(1).max(5).optional(),
    paused: z.boolean().optional(),
    note: z.string().max(1000).optional(),
  })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.interval === undefined), {
    message: 'give exactly one of "cron" (e.g. "0 9 * * 1-5") and "interval" (e.g. "1h")',
  });
export type ScheduleRequest = z.infer<typeof scheduleRequestSchema>;

export const scheduleNoteSchema = z.object({ note: z.string().max(1000).optional() }).strict();
