import type { RoleSlot } from './role-slot.js';
import type { startPostgres, startTemporal } from './services.js';

export type Profile = 'full' | 'short';

export interface ScenarioContext {
  worker: RoleSlot;
  api: RoleSlot;
  postgres: Awaited<ReturnType<typeof startPostgres>>;
  temporal: Awaited<ReturnType<typeof startTemporal>>;
  kills: number;
  rng: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Records how the API answers right now (used while Postgres is away). */
  probeApi: () => Promise<void>;
  /** Resolves once some run has an activity node running. */
  nodesRunning: () => Promise<void>;
}

export interface Scenario {
  name: string;
  describe: (s: { kills: number }) => string;
  runs: Record<Profile, number>;
  kills?: Record<Profile, number>;
  flow: 'layers' | 'nul';
  inject: (ctx: ScenarioContext) => Promise<void>;
}

export interface ScenarioResult {
  name: string;
  fault: string;
  started: number;
  completed: number;
  failed: number;
  /** Runs that had not ended when the scenario's deadline passed. */
  stuck: number;
  /** Node attempts started (node.started events), over all runs. */
  nodeExecutions: number;
  /** Nodes started again after they had completed. */
  completedReexecuted: number;
  workerLostRetries: number;
  /** HTTP requests the remote received beyond the first for one idempotency key. */
  httpRepeats: number;
  streamGaps: number;
  streamDuplicates: number;
  /** API or worker processes that exited on their own. */
  crashes: number;
  /** From the end of the fault to the last run's end. */
  recoverSeconds: number;
  /** Longest run, start to terminal event. */
  longestRunSeconds: number;
  apiWhileDown?: { status: number; code?: string; readyz: number }[];
  /** NUL scenario: runs whose outputs came back exactly as the input and the http body were. */
  preserved?: number;
}
