import type { Client } from '@temporalio/client';

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
