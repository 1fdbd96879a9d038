import { WorkflowNotFoundError, type Client } from '@temporalio/client';

export type RunStatusOfTemporal = 'running' | 'completed' | 'failed' | 'cancelled';

/** Temporal's execution status as a Tempoflow run status. */
export function runStatusOf(temporalStatus: string | undefined): RunStatusOfTemporal {
  switch (temporalStatus) {
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/** Temporal says "no such workflow" as WorkflowNotFoundError or as a gRPC NOT_FOUND (code 5). */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; code?: number; cause?: { code?: number } };
  return (
    err instanceof WorkflowNotFoundError || e?.name === 'WorkflowNotFoundError' || e?.code === 5 || e?.cause?.code === 5
  );
}

/** Every workflow execution a run created (children of children), with its history length. */
export async function historySizes(client: Client, workflowId: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const queue = [workflowId];
  while (queue.length) {
    const id = queue.shift()!;
    const history = await client.workflow.getHandle(id).fetchHistory();
    sizes.set(id, history.events!.length);
    for (const e of history.events!) {
      const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) queue.push(child);
    }
  }
  return sizes;
}
