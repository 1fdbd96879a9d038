import { z } from 'zod';
import { FLOW_NAME_PATTERN } from '../schema.js';
import { defineKind } from './define.js';

/** Another stored flow as a child workflow. */
export const subflow = defineKind({
  params: z
    .object({
      flow: z.string().regex(FLOW_NAME_PATTERN, 'a flow name'),
      version: z.number().int().positive().max(2_147_483_647).optional(),
      inputs: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  runsIn: 'workflow',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams', 'UnknownFlow', 'NodeFailed', 'ChildCancelled'],
});
