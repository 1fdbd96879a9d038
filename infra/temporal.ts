import { Client, Connection } from '@temporalio/client';

export class TemporalConnectError extends Error {
  override name = 'TemporalConnectError';
}

/** The one sentence every process says when the Temporal server at `address` does not answer. */
export function temporalUnavailable(address: string, cause: unknown): TemporalConnectError {
  return new TemporalConnectError(
    `Temporal at ${address} does not answer; start it (npm run dev starts one) or fix TEMPORAL_ADDRESS.`,
    { cause },
  );
}

export async function connectClient(
  address: string,
  namespace: string,
): Promise<{ client: Client; connection: Connection }> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 5000 });
    return { client: new Client({ connection, namespace }), connection };
  } catch (cause) {
    throw temporalUnavailable(address, cause);
  }
}

/** True when a Temporal server answers at `address` for `namespace` within `timeoutMs`. */
export async function temporalAnswers(address: string, namespace: string, timeoutMs = 1500): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}
