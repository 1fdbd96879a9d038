/**
 * Hand-written Temporal workflows with the same activities as Tempoflow's nodes: the floor any
 * Temporal-based runner could reach for these shapes. Bundled together with Tempoflow's workflows.
 */
import {
  executeChild,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  workflowInfo,
  type Sinks,
} from '@temporalio/workflow';
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

/** The bench's probe (bench/harness.ts): when an activation ended, against its clock. */
export interface BenchSinks extends Sinks {
  probe: { activation(workflowNow: number): void };
}
const { probe } = proxySinks<BenchSinks>();

/** input → n parallel echoes → one join; with `probed`, each activation that ends an echo calls the probe. */
export async function handFanout(runId: string, n: number, durationMs = 0, probed = false): Promise<unknown> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      echo(input(runId, `n${i}`, i, durationMs)).then((r) => {
        if (probed) probe.activation(Date.now());
        return r;
      }),
    ),
  );
  const joined = (await echo(input(runId, 'join', results.length))).output;
  if (probed) probe.activation(Date.now());
  return joined;
}

/**
 * n sequential echoes, handing the workflow's clock to a sink after each, as Tempoflow's outbox
 * hands over the events it drafts: how long after an activation's timestamp (an event's `ts`) the
 * worker gets what the activation made, for any workflow on this worker.
 */
export async function handSinkChain(runId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await echo(input(runId, `c${i}`, i));
    probe.activation(Date.now());
  }
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

/**
 * A loop as one would write it by hand: the items split into child workflows of at most `leaf`
 * (so no history grows past Temporal's limits), each running one echo per item, `concurrency` at a
 * time in all. The same shape as Tempoflow's loop node (workflows/run-loop.ts) with no interpreter.
 */
export async function handLoop(runId: string, items: unknown[], concurrency: number, leaf = 1000): Promise<number> {
  if (items.length <= leaf) {
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const i = next++;
        await echo(input(runId, `item-${i}`, items[i]));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
    return items.length;
  }
  const chunks: unknown[][] = [];
  for (let i = 0; i < items.length; i += leaf) chunks.push(items.slice(i, i + leaf));
  const each = Math.max(1, Math.floor(concurrency / chunks.length));
  const done = await Promise.all(
    chunks.map((chunk, i) =>
      executeChild(handLoop, { workflowId: `${workflowInfo().workflowId}.${i}`, args: [runId, chunk, each, leaf] }),
    ),
  );
  return done.reduce((a, b) => a + b, 0);
}
