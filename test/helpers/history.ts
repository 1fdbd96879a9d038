import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/**
 * A workflow's history as text to search, its payloads (inputs, results, failure details, which
 * are base64 in the history JSON) decoded beside it.
 */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  const text = historyToJSON(await handle.fetchHistory());
  const payloads = [...text.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map(([, b64]) => Buffer.from(b64, 'base64'));
  return `${text}\n${payloads.join('\n')}`;
}
