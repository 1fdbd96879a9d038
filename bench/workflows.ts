/**
 * Hand-written Temporal workflows with the same activities as Tempoflow's nodes: the floor any
 * Temporal-based runner could reach for these shapes. Bundled together with Tempoflow's workflows.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { NodeActivityInput } from '../flow/index.js';

export { runFlow, runLoop } from '../workflows/index.js';

const { echo } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 3 },
});

const input = (runId: string, nodeId: string, value: unknown, durationMs = 0): NodeActivityInput => ({
  runId,
  nodeId,
  type: 'echo',
  params: { value, durationMs },
  scope: {},
  maximumAttempts: 3,
  quiet: true,
});

/** input → n parallel echoes → one join. */
export async function handFanout(runId: string, n: number, durationMs = 0): Promise<unknown> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => echo(input(runId, `n${i}`, i, durationMs))));
  return (await echo(input(runId, 'join', results.length))).output;
}

/** n sequential echoes. */
export async function handChain(runId: string, n: number): Promise<unknown> {
  let value: unknown = 0;
  for (let i = 0; i < n; i++) value = (await echo(input(runId, `c${i}`, value))).output;
  return value;
}

const { transform } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10m', retry: { maximumAttempts: 3 } });

/** n sequential JSONata transforms as local activities: the floor for a chain of pure nodes. */
export async function handPureChain(runId: string, n: number): Promise<unknown> {
  let value: unknown = 0;
  for (let i = 0; i < n; i++) {
    const result = await transform({
      runId,
      nodeId: `t${i}`,
      type: 'transform',
      params: { expression: 'x + 1' },
      scope: { x: value },
      maximumAttempts: 3,
      quiet: true,
    });
    value = result.output;
  }
  return value;
}
