import type { z } from 'zod';
import type { NodeErrorType } from './errors.js';

/** What a node kind is: all that validation, the worker, the workflow and the README know about it. */
export interface NodeKindSpec {
  /** Its params, checked when a flow is saved and again once placeholders resolve at run time. */
  params: z.ZodType;
  /**
   * `activity`: an activity named after the kind runs it (activities/nodes/<kind>.ts);
   * `workflow`: the interpreter runs it (timers, updates, child workflows), so its params enter history.
   */
  runsIn: 'activity' | 'workflow';
  /** Its own code heartbeats while it works, so a cancel or a lost worker reaches it mid-work. */
  heartbeats: boolean;
  /** Params that may hold `{{secrets.NAME}}`: connection fields, resolved only inside the activity. */
  secretFields: readonly string[];
  /** Params that, when set, must be one `{{secrets.NAME}}` reference, never the value itself. */
  secretRefFields?: readonly string[];
  /** Params holding a JSONata expression, syntax-checked when the flow is saved. */
  expressionFields?: readonly string[];
  /** The outputs an edge's `sourceHandle` may name; unset: any. */
  outputs?: readonly string[];
  /** Params whose placeholders are not resolved against the node's ancestors (a body graph, a tool's arguments). */
  unscopedFields?: readonly string[];
  /** The `ApplicationFailure` types it fails with: what `retry.nonRetryableErrorTypes` may list. */
  errorTypes: readonly NodeErrorType[];
}

/** Declares a node kind, keeping its literal types (the params schema, `runsIn`) for the registry. */
export function defineKind<const K extends NodeKindSpec>(kind: K): K {
  return kind;
}
