import { z } from 'zod';
import { defineKind } from './define.js';

/** `{value}`: a JSONata expression's truthiness; the edges of the other output are not taken. */
export const condition = defineKind({
  params: z.object({ expression: z.string().min(1) }).strict(),
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  expressionFields: ['expression'],
  outputs: ['true', 'false'],
  errorTypes: ['InvalidParams', 'ExpressionFailed'],
});
