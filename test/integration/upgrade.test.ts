import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../worker/index.js';
import { logger, startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';
import { silentLogger } from '../../infra/index.js';

const fixture = (file: string) => fileURLToPath(new URL(`../fixtures/workflows/${file}`, import.meta.url));
let stack: Stack;
const workers: { worker: Worker; running: Promise<void>; connection: NativeConnection }[] = [];

async function startWorker(workflowBundle: { code: string } | { codePath: string }) {
  const connection = await NativeConnection.connect({ address: testEnv().address });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deps: { sql: stack.sql, logger, httpAllowHosts: [], blobThresholdBytes: 256 * 1024 },
    workflowBundle,
    shutdownGraceTime: '2s',
  });
  const entry = { worker, running: worker.run(), connection };
  workers.push(entry);
  return entry;
}
async function stopWorker(entry: (typeof workers)[number]) {
  entry.worker.shutdown();
  await entry.running;
  await entry.connection.close();
  workers.splice(workers.indexOf(entry), 1);
}

beforeAll(async () => {
  stack = await startStack({ name: 'upgrade', worker: false });
});
afterAll(async () => {
  for (const w of [...workers]) await stopWorker(w).catch(() => {});
  await stack?.stop();
});

describe('deploying new interpreter code while runs are in flight', () => {
  it('runs started on the old code finish on the new one when the change is behind patched()', async () => {
    const name = await stack.createFlow({
      name: uniqueName('inflight'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'ask', type: 'approval', params: { message: 'ship {{in.n}}?' } },
        { id: 'out', type: 'output', params: { name: 'shipped', value: '{{in.n}}' } },
      ],
      edges: [
        { source: 'in', target: 'ask' },
        { source: 'ask', target: 'out' },
      ],
    });

    // v1: the interpreter of this commit. Two runs reach their approval and wait there.
    const v1 = await startWorker({ codePath: testEnv().bundle });
    const old = [await stack.start(name, { inputs: { n: 1 } }), await stack.start(name, { inputs: { n: 2 } })];
    for (const { runId } of old)
      await until(async () => (await stack.api('GET', `/api/v1/runs/${runId}`)).body.status === 'waiting');
    await stopWorker(v1);

    // v2 changes history for new runs. Before deploying it, replay the open runs' histories
    // against it (what POST /api/v1/runs/:runId/replay and `tempoflow replay` do).
    const [v2, unguarded] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: fixture('upgraded-run-flow.ts'), logger: silentLogger }),
      bundleWorkflowCode({ workflowsPath: fixture('unguarded-run-flow.ts'), logger: silentLogger }),
    ]);
    for (const { workflowId } of old) {
      const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: v2 }, history, workflowId)).resolves.toBeUndefined();
      // The same change without patched() would break every run in flight.
      await expect(Worker.runReplayHistory({ workflowBundle: unguarded }, history, workflowId)).rejects.toThrow(
        /Nondeterminism|DeterminismViolation|does not match/i,
      );
    }

    // Deploy v2: a fresh worker (empty cache) replays each old run from its history, then goes on.
    await startWorker(v2);
    for (const { runId } of old)
      expect((await stack.api('POST', `/api/v1/runs/${runId}/approvals/ask`, { approved: true })).status).toBe(200);
    for (const [i, { runId }] of old.entries()) {
      await until(async () => (await stack.api('GET', `/api/v1/runs/${runId}`)).body.status === 'completed');
      expect((await stack.api('GET', `/api/v1/runs/${runId}`)).body.outputs).toEqual({ shipped: i + 1 });
    }

    // Old runs kept the old path; a run started now takes the new one (its history records the patch).
    const patchMarkers = async (workflowId: string) =>
      ((await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter(
        (e) => e.markerRecordedEventAttributes?.markerName === 'core_patch',
      ).length;
    // (The code of this commit records its own patches; v2's is one more.)
    const before = await patchMarkers(old[0].workflowId);
    for (const { workflowId } of old) expect(await patchMarkers(workflowId)).toBe(before);
    const fresh = await stack.start(name, { inputs: { n: 3 } });
    await until(async () => (await stack.api('GET', `/api/v1/runs/${fresh.runId}`)).body.status === 'waiting');
    await stack.api('POST', `/api/v1/runs/${fresh.runId}/approvals/ask`, { approved: true });
    await until(async () => (await stack.api('GET', `/api/v1/runs/${fresh.runId}`)).body.status === 'completed');
    expect(await patchMarkers(fresh.workflowId)).toBe(before + 1);
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met within 60 s');
}
