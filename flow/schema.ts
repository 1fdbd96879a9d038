import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

export const FLOW_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const durationSchema = z.string().regex(DURATION_PATTERN, 'a duration such as "30s", "250ms" or "5m"');

export const retrySchema = z
  .object({
    maximumAttempts: z.number().int().min(0).optional(),
    initialInterval: durationSchema.optional(),
    backoffCoefficient: z.number().min(1).optional(),
    maximumInterval: durationSchema.optional(),
    nonRetryableErrorTypes: z.array(z.string()).optional(),
  })
  .strict();

export const nodeSchema = z
  .object({
    id: z.string().regex(NODE_ID_PATTERN, 'letters, digits, "_" or "-", at most 64'),
    type: z.string().min(1),
    params: z.record(z.string(), z.unknown()).optional(),
    retry: retrySchema.optional(),
    timeout: durationSchema.optional(),
    priority: z.number().int().min(1).max(5).optional(),
    onError: z.enum(['fail', 'continue']).optional(),
    label: z.string().max(200).optional(),
    position: z.object({ x: z.number(), y: z.number() }).optional(),
  })
  .strict();

export const edgeSchema = z
  .object({
    id: z.string().optional(),
    source: z.string().min(1),
    target: z.string().min(1),
    sourceHandle: z.string().optional(),
    targetHandle: z.string().optional(),
  })
  .strict();

export const graphSchema = z.object({
  nodes: z.array(nodeSchema).min(1, 'a flow needs at least one node'),
  edges: z.array(edgeSchema).default([]),
});

export const flowDefinitionSchema = graphSchema
  .extend({
    name: z
      .string()
      .regex(FLOW_NAME_PATTERN, 'lowercase letters, digits and "-", starting with a letter or digit, at most 63'),
    description: z.string().max(2000).optional(),
  })
  .strict();

export type NodeDef = z.infer<typeof nodeSchema>;
export type EdgeDef = z.infer<typeof edgeSchema>;
export type GraphDef = z.infer<typeof graphSchema>;
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;
export type RetryDef = z.infer<typeof retrySchema>;
