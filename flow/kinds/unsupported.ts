import { z } from 'zod';
import { defineKind } from './define.js';

/** A Langflow component the importer could not map: fails at once, naming it. */
export const unsupported = defineKind({
  params: z.object({ component: z.string(), reason: z.string(), langflowId: z.string().optional() }).strict(),
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams', 'UnsupportedComponent'],
});
