import { defineKind } from './define.js';
import { expressionParams } from './params.js';

/** JSONata over `{inputs, <ancestor ids>}`, in the expression sandbox. */
export const transform = defineKind({
  params: expressionParams,
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  expressionFields: ['expression'],
  errorTypes: ['InvalidParams', 'ExpressionFailed'],
});
