import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  SDK_WORKFLOW_THREAD,
  THREAD_PRELOAD,
  withWorkflowThreads,
  workflowThreadOptions,
} from '../../worker/workflow-threads.js';

/**
 * Runs, in a thread loaded the way worker/workflow-threads.ts loads the SDK's workflow threads,
 * what the SDK does there at start (vm-shared.js installs its promise hook), then uses Node's
 * AsyncLocalStorage (the SDK's cancellation scopes do) and reports both.
 */
function thread(o: { preload: boolean; sourceMaps: boolean }): Promise<{ hook: boolean; storage: unknown }> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { AsyncLocalStorage } = require('node:async_hooks');
    if (${o.sourceMaps}) process.setSourceMapsEnabled(true);
    const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared.js');
    globalHandlers.install();
    const storage = new AsyncLocalStorage();
    storage.run('kept', () => Promise.resolve().then(() =>
      parentPort.postMessage({ hook: globalHandlers.promiseHookInstalled, storage: storage.getStore() })));
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, execArgv: o.preload ? ['--require', THREAD_PRELOAD] : [] });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('the workflow threads preload (WORKER_WORKFLOW_STACK_TRACES=false)', () => {
  it("refuses only the SDK's promise hook: AsyncLocalStorage keeps working", async () => {
    expect(await thread({ preload: false, sourceMaps: false })).toEqual({ hook: true, storage: 'kept' });
    expect(await thread({ preload: true, sourceMaps: false })).toEqual({ hook: false, storage: 'kept' });
  });

  it('still finds the SDK as the caller with source maps on (they rewrite formatted stacks)', async () => {
    expect(await thread({ preload: true, sourceMaps: true })).toEqual({ hook: false, storage: 'kept' });
  });
});

describe('which threads get the preload (worker/workflow-threads.ts)', () => {
  const preload = { execArgv: ['--require', THREAD_PRELOAD] };

  it("gives it to the SDK's workflow threads of a create with stack traces off, even while another create runs", async () => {
    // Two creates at once, as two workers of one process start: each sees its own setting after its awaits.
    const started = (stackTraces: boolean) =>
      withWorkflowThreads({ stackTraces }, async () => {
        await new Promise((r) => setTimeout(r, 10));
        return workflowThreadOptions(SDK_WORKFLOW_THREAD, { stdout: false });
      });
    expect(await Promise.all([started(false), started(true)])).toEqual([
      { stdout: false, ...preload },
      { stdout: false },
    ]);
  });

  it('leaves other threads, and threads started outside a create, as they are', async () => {
    expect(await withWorkflowThreads({ stackTraces: false }, async () => workflowThreadOptions('/other.js'))).toBe(
      undefined,
    );
    expect(workflowThreadOptions(SDK_WORKFLOW_THREAD)).toBe(undefined);
  });
});
