import { z } from 'zod';

const PLACEHOLDER_ONLY = /^\{\{\s*[^{}]+?\s*\}\}$/;

/** A param that may be given literally or as one placeholder resolved at run time. */
export const orRef = <T extends z.ZodTypeAny>(schema: T) =>
  z.union([schema, z.string().regex(PLACEHOLDER_ONLY, 'a placeholder such as "{{node.value}}"')]);

/** Largest response body (bytes) read from an endpoint. */
export const maxBytesParam = orRef(
  z
    .number()
    .int()
    .positive()
    .max(64 * 1024 * 1024),
).optional();

/** Empty: the worker's LLM_BASE_URL (then OpenAI's). */
export const baseUrlParam = z.string().min(1).optional();
/** Empty: the worker's LLM_MODEL. */
export const modelParam = z.string().min(1).optional();
export const temperatureParam = orRef(z.number().min(0).max(2)).optional();
export const maxTokensParam = orRef(z.number().int().positive()).optional();

/** One JSONata expression (transform, condition). */
export const expressionParams = z.object({ expression: z.string().min(1) }).strict();
