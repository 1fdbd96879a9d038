import { NODE_STATUS_BY_EVENT } from '../flow/index.js';
import { api, EXIT, print } from './context.js';
import { renderNodeTable } from './render.js';

/**
 * `run --follow`: node states live (a table redrawn in place on a terminal, one line per event
 * otherwise), then the run's status and outputs; the exit code says whether it completed.
 */
export async function followRun(started: { runId: string; links: { temporalUi: string } }): Promise<void> {
  process.stderr.write(`run ${started.runId}\nTemporal UI: ${started.links.temporalUi}\n`);
  const states = new Map<string, { status: string; attempt?: number; note?: string }>();
  const tty = process.stdout.isTTY;
  let drawn = 0;
  for await (const e of api.events(started.runId)) {
    const nodeId = e.data.nodeId as string | undefined;
    if (nodeId) {
      const status = NODE_STATUS_BY_EVENT[e.event];
      const prev = states.get(nodeId);
      if (status) states.set(nodeId, { status, attempt: e.data.attempt ?? prev?.attempt, note: e.data.error?.message });
      else if (e.event === 'node.token' && prev) prev.note = `${(prev.note ?? '') + e.data.token}`.slice(-60);
    }
    if (tty) {
      if (drawn) process.stdout.write(`\x1b[${drawn}A\x1b[J`);
      const table = renderNodeTable(states);
      process.stdout.write(`${table}\n`);
      drawn = table.split('\n').length;
    } else if (nodeId && e.event !== 'node.token') {
      print(`${e.event.padEnd(15)} ${nodeId}${e.data.attempt ? ` (attempt ${e.data.attempt})` : ''}`);
    } else if (!nodeId) print(e.event);
  }
  const run = await api.request<{ status: string; outputs: unknown; error?: { message: string; nodeId?: string } }>(
    'GET',
    `/api/v1/runs/${started.runId}`,
  );
  print(`status: ${run.status}`);
  if (run.error) print(`error: ${run.error.nodeId ? `${run.error.nodeId}: ` : ''}${run.error.message}`);
  print(run.outputs);
  if (run.status !== 'completed') process.exitCode = EXIT.runFailed;
}
