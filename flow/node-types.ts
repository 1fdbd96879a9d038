import { z } from 'zod';
import { durationSchema, graphSchema, FLOW_NAME_PATTERN } from './schema.js';
import { AGENT_PARAMS, MESSAGE_PARAMS, UNSUPPORTED_PARAMS } from './agent-types.js';

const PLACEHOLDER_ONLY = /^\{\{\s*[^{}]+?\s*\}\}$/;
/** A param that may be given literally or as one placeholder resolved at run time. */
const orRef = <T extends z.ZodTypeAny>(schema: T) =>
  z.union([schema, z.string().regex(PLACEHOLDER_ONLY, 'a placeholder such as "{{node.value}}"')]);

export const NODE_TYPE_PARAMS = {
  input: z
    .object({ name: z.string().optional(), default: z.unknown().optional(), description: z.string().optional() })
    .strict(),
  output: z.object({ name: z.string().min(1).optional(), value: z.unknown().optional() }).strict(),
  template: z.object({ template: z.string() }).strict(),
  transform: z.object({ expression: z.string().min(1) }).strict(),
  condition: z.object({ expression: z.string().min(1) }).strict(),
  echo: z
    .object({
      value: z.unknown().optional(),
      durationMs: orRef(z.number().int().min(0).max(86_400_000)).optional(),
      /** The first N attempts fail with a retryable error (tests and demos of retries). */
      failAttempts: orRef(z.number().int().min(0)).optional(),
      /** Fail every attempt with this message, non-retryably. */
      fail: z.string().optional(),
      /** Produce a string of this many bytes instead of value (large-output demos). */
      sizeBytes: orRef(
        z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024),
      ).optional(),
    })
    .strict(),
  http: z
    .object({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      body: z.unknown().optional(),
      timeoutMs: orRef(z.number().int().positive().max(600_000)).optional(),
      maxBytes: orRef(
        z
          .number()
          .int()
          .positive()
          .max(64 * 1024 * 1024),
      ).optional(),
      responseType: z.enum(['auto', 'json', 'text']).optional(),
      followRedirects: z.boolean().optional(),
    })
    .strict(),
  llm: z
    .object({
      /** Empty: the worker's LLM_BASE_URL (then OpenAI's). */
      baseUrl: z.string().min(1).optional(),
      /** Empty: the worker's LLM_MODEL. */
      model: z.string().min(1).optional(),
      system: z.string().optional(),
      prompt: z.string().min(1),
      temperature: orRef(z.number().min(0).max(2)).optional(),
      maxTokens: orRef(z.number().int().positive()).optional(),
      /** Largest response body (bytes) read from the endpoint, like `http`'s maxBytes. */
      maxBytes: orRef(
        z
          .number()
          .int()
          .positive()
          .max(64 * 1024 * 1024),
      ).optional(),
      /** Must be a `{{secrets.NAME}}` reference when saved (checked by validateGraph); the value at run time. */
      apiKey: z.string().min(1).optional(),
    })
    .strict(),
  loop: z
    .object({
      items: z.union([z.array(z.unknown()), z.string()]),
      body: z.union([z.string().regex(FLOW_NAME_PATTERN, 'a flow name'), graphSchema]),
      concurrency: orRef(z.number().int().min(1).max(1000)).optional(),
    })
    .strict(),
  subflow: z
    .object({
      flow: z.string().regex(FLOW_NAME_PATTERN, 'a flow name'),
      version: z.number().int().positive().max(2_147_483_647).optional(),
      inputs: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  delay: z.object({ duration: orRef(durationSchema) }).strict(),
  approval: z.object({ timeout: durationSchema.optional(), message: z.string().optional() }).strict(),
  agent: AGENT_PARAMS,
  message: MESSAGE_PARAMS,
  unsupported: UNSUPPORTED_PARAMS,
} as const;

export type NodeType = keyof typeof NODE_TYPE_PARAMS;
export const NODE_TYPES = Object.keys(NODE_TYPE_PARAMS) as NodeType[];

/** Node types executed as activities whose name is the node type. */
export const ACTIVITY_NODE_TYPES = [
  'echo',
  'http',
  'llm',
  'template',
  'transform',
  'condition',
  'output',
  'message',
  'unsupported',
] as const;
export type ActivityNodeType = (typeof ACTIVITY_NODE_TYPES)[number];

/** Node types run by the workflow itself; secrets may not reach their params (they would enter history). */
export const WORKFLOW_NODE_TYPES = ['loop', 'subflow', 'delay', 'approval', 'agent'] as const;

/** Types that run long enough to need heartbeats (cancellation reaches them through the heartbeat). */
export const HEARTBEAT_NODE_TYPES: readonly string[] = ['echo', 'http', 'llm'];

export function isNodeType(type: string): type is NodeType {
  return Object.prototype.hasOwnProperty.call(NODE_TYPE_PARAMS, type);
}

export type NodeParams<T extends NodeType> = z.infer<(typeof NODE_TYPE_PARAMS)[T]>;
