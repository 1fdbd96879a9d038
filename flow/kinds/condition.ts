import { defineKind } from './define.js';
import { expressionParams } from './params.js';

/** `{value}`: a JSONata expression's truthiness; the edges of the other output are not taken. */
export const condition = defineKind({
  params: expressionParams,
  outputs: ['true', 'false'],
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  expressionFields: ['expression'],
  errorTypes: ['InvalidParams', 'ExpressionFailed'],
});
