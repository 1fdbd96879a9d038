import type { z } from 'zod';
import * as kinds from './kinds/index.js';
import type { NodeKindSpec } from './kinds/define.js';
import { ACTIVITY_ERRORS, type NodeErrorType } from './kinds/errors.js';
import { RUNS_IN, type NodeTypeName } from './kinds/runs-in.js';

/** Every node kind by name (the registry: flow/kinds/index.ts, one file per kind in flow/kinds/). */
export const NODE_KINDS = { ...kinds } satisfies Record<string, NodeKindSpec>;
type NodeKinds = typeof NODE_KINDS;

export type NodeType = keyof NodeKinds;

// The workflow's zod-free copy of `runsIn` (flow/kinds/runs-in.ts) must list every kind, each as its own file says.
RUNS_IN satisfies { [K in NodeType]: NodeKinds[K]['runsIn'] };
NODE_KINDS satisfies Record<NodeTypeName, NodeKindSpec>;

export const NODE_TYPES = Object.keys(NODE_KINDS) as NodeType[];

/** Each kind's params schema (the API's OpenAPI document lists them). */
export const NODE_TYPE_PARAMS = Object.fromEntries(NODE_TYPES.map((type) => [type, NODE_KINDS[type].params])) as {
  [K in NodeType]: NodeKinds[K]['params'];
};

type ParamsByType = { [K in NodeType]: z.infer<NodeKinds[K]['params']> };
export type NodeParams<T extends NodeType> = ParamsByType[T];

/** Parses a node's params with its kind's schema (throws a ZodError when they do not fit). */
export function parseNodeParams<T extends NodeType>(type: T, params: unknown): NodeParams<T> {
  const schemas: { [K in NodeType]: z.ZodType<ParamsByType[K]> } = NODE_TYPE_PARAMS;
  return schemas[type].parse(params);
}

export function isNodeType(type: string): type is NodeType {
  return Object.prototype.hasOwnProperty.call(NODE_KINDS, type);
}

export { isActivityNodeType, type ActivityNodeType } from './kinds/runs-in.js';

/** The failure types a node of this kind may end with: its own, and those of every activity-run node. */
export function nodeErrorTypes(type: NodeType): readonly NodeErrorType[] {
  const kind: NodeKindSpec = NODE_KINDS[type];
  return kind.runsIn === 'activity' ? [...kind.errorTypes, ...ACTIVITY_ERRORS] : kind.errorTypes;
}

export { NODE_ERRORS, type NodeErrorType, type NodeErrorInfo } from './kinds/errors.js';
export type { NodeKindSpec } from './kinds/define.js';
