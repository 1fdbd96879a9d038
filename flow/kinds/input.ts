import { z } from 'zod';
import { defineKind } from './define.js';

/** The run's inputs, or `inputs[name]`; read by the workflow from its own input. */
export const input = defineKind({
  params: z
    .object({ name: z.string().optional(), default: z.unknown().optional(), description: z.string().optional() })
    .strict(),
  runsIn: 'workflow',
  heartbeats: false,
  secretFields: [],
  errorTypes: [],
});
