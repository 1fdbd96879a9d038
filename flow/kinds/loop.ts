import { z } from 'zod';
import { FLOW_NAME_PATTERN, graphSchema } from '../schema.js';
import { defineKind } from './define.js';
import { orRef } from './params.js';

/** The body (a stored flow or an inline graph) once per item, as child workflows. */
export const loop = defineKind({
  params: z
    .object({
      items: z.union([z.array(z.unknown()), z.string()]),
      body: z.union([z.string().regex(FLOW_NAME_PATTERN, 'a flow name'), graphSchema]),
      concurrency: orRef(z.number().int().min(1).max(1000)).optional(),
    })
    .strict(),
  runsIn: 'workflow',
  heartbeats: false,
  secretFields: [],
  unscopedFields: ['body'],
  errorTypes: ['InvalidParams', 'UnknownFlow', 'LoopItemFailed', 'ChildCancelled'],
});
