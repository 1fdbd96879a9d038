/**
 * Where each node kind runs, without its params schema: the workflow bundle needs this much of the
 * registry, and importing the schemas would build zod in every cached workflow (~1.4 MiB per run).
 * `flow/node-types.ts` checks, by type, that it says what each kind's own file says.
 */
export const RUNS_IN = {
  input: 'workflow',
  output: 'activity',
  template: 'activity',
  transform: 'activity',
  condition: 'activity',
  echo: 'activity',
  http: 'activity',
  llm: 'activity',
  loop: 'workflow',
  subflow: 'workflow',
  delay: 'workflow',
  approval: 'workflow',
  agent: 'workflow',
  message: 'activity',
  unsupported: 'activity',
} as const;

export type NodeTypeName = keyof typeof RUNS_IN;

export type ActivityNodeType = {
  [K in NodeTypeName]: (typeof RUNS_IN)[K] extends 'activity' ? K : never;
}[NodeTypeName];

/** A kind run by an activity named after it (the workflow dispatches to it). */
export function isActivityNodeType(type: string): type is ActivityNodeType {
  return Object.prototype.hasOwnProperty.call(RUNS_IN, type) && RUNS_IN[type as NodeTypeName] === 'activity';
}
