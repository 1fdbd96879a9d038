import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { APPROVE_UPDATE, STATE_QUERY, type RunState } from '../flow/core.js';

/** Stable `ApplicationFailure.type`s raised by Tempoflow workflows. */
export const WORKFLOW_ERRORS = {
  NodeFailed: 'NodeFailed',
  ApprovalTimedOut: 'ApprovalTimedOut',
  InvalidParams: 'InvalidParams',
  LoopItemFailed: 'LoopItemFailed',
  ChildCancelled: 'ChildCancelled',
  UnknownFlow: 'UnknownFlow',
  WorkerLost: 'WorkerLost',
  EventLogUnavailable: 'EventLogUnavailable',
} as const;

export interface ApprovalRequest {
  nodeId: string;
  approved: boolean;
  comment?: string;
  by?: string;
}

export interface ApprovalDecision {
  approved: boolean;
  comment: string | null;
  by: string | null;
}

/** Every node's status, attempts, output (or blob reference) and error; answered from memory, no I/O. */
export const stateQuery = defineQuery<RunState>(STATE_QUERY);

/** Decides an `approval` node. The validator refuses unless that node is waiting, so a late or repeated decision is rejected before it enters history. */
export const approveUpdate = defineUpdate<ApprovalDecision, [ApprovalRequest]>(APPROVE_UPDATE);
