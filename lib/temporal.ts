import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const FLOW_ID_KEY = defineSearchAttributeKey('FlowId', SearchAttributeType.KEYWORD);
export const FLOW_NAME_KEY = defineSearchAttributeKey('FlowName', SearchAttributeType.KEYWORD);
export const FLOW_VERSION_KEY = defineSearchAttributeKey('FlowVersion', SearchAttributeType.INT);
export const RERUN_OF_KEY = defineSearchAttributeKey('RerunOf', SearchAttributeType.KEYWORD);
export const RERUN_FROM_NODE_KEY = defineSearchAttributeKey('RerunFromNode', SearchAttributeType.KEYWORD);

export class TemporalConnectError extends Error {
  override name = 'TemporalConnectError';
}

export async function connectClient(
  address: string,
  namespace: string,
): Promise<{ client: Client; connection: Connection }> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 5000 });
    return { client: new Client({ connection, namespace }), connection };
  } catch (cause) {
    throw new TemporalConnectError(
      `Temporal at ${address} does not answer; start it (npm run dev starts one) or fix TEMPORAL_ADDRESS.`,
      { cause },
    );
  }
}

/** Temporal's execution status as a Tempoflow run status. */
export function runStatusOf(temporalStatus: string | undefined): 'running' | 'completed' | 'failed' | 'cancelled' {
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
