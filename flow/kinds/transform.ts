import { z } from 'zod';
import { defineKind } from './define.js';

/** JSONata over `{inputs, <ancestor ids>}`, in the expression sandbox. */
export const transform = defineKind({
  params: z.object({ expression: z.string().min(1) }).strict(),
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  expressionFields: ['expression'],
  errorTypes: ['InvalidParams', 'ExpressionFailed'],
});
