import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { inject } from 'vitest';
import type {
  EventDraft,
  GraphDef,
  NodeActivityInput,
  NodeActivityResult,
  RunFlowInput,
  RunState,
} from '../../flow/index.js';
import { cachedWorkflowBundle, SILENT_EVENT_SINKS } from '../../bundle/index.js';
import type { runFlow } from '../../workflows/index.js';
import { startTestServer, type RunningTestServer } from './test-server.js';

/** What a stub node activity does with one call; the harness adds the attempt. */
export type StubNode = (input: NodeActivityInput, attempt: number) => Promise<unknown> | unknown;

/**
 * The real workflow code on a time-skipping test server, with stub activities: node activities
 * given by each test (`echo` by default returns its params), and a `publishEvents` that keeps what
 * the workflow publishes (events and the final state) in memory. Timers, approval timeouts and
 * retry back-offs take no real time: the server skips ahead whenever the workflow only waits.
 */
export class WorkflowHarness {
  readonly events = new Map<string, EventDraft[]>();
  readonly finals = new Map<string, RunState>();
  private stubs: Record<string, StubNode> = {};
  private sequence = 0;
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  readonly taskQueue = 'workflow-tests';

  private constructor(
    private readonly server: RunningTestServer,
    readonly env: TestWorkflowEnvironment,
  ) {}

  static async start(): Promise<WorkflowHarness> {
    const server = await startTestServer(inject('testServerPath'));
    const harness = new WorkflowHarness(server, await timeSkippingEnvironment(server.address));
    const { env } = harness;
    const { codePath } = await cachedWorkflowBundle(process.env.DATA_DIR ?? '.data');
    harness.worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: harness.taskQueue,
      workflowBundle: { codePath },
      activities: {
        publishEvents: async (input: { runId: string; events: EventDraft[]; final?: RunState }) =>
          harness.publish(input),
        echo: harness.node('echo'),
        http: harness.node('http'),
        transform: harness.node('transform'),
      },
      shutdownGraceTime: '1s',
      sinks: SILENT_EVENT_SINKS,
    });
    harness.running = harness.worker.run();
    return harness;
  }

  private publish(input: { runId: string; events: EventDraft[]; final?: RunState }): void {
    this.events.set(input.runId, [...(this.events.get(input.runId) ?? []), ...input.events]);
    if (input.final) this.finals.set(input.runId, input.final);
  }

  private node(type: string) {
    return async (input: NodeActivityInput): Promise<NodeActivityResult> => {
      const attempt = Context.current().info.attempt;
      const stub = this.stubs[type] ?? ((i: NodeActivityInput) => i.params);
      return { output: await stub(input, attempt), attempt };
    };
  }

  /** Sets what the node activities of a type do (until the next call). */
  stub(stubs: Record<string, StubNode>): void {
    this.stubs = stubs;
  }

  /** Starts runFlow on `graph` as the API would; returns its run id and workflow handle. */
  async start(
    graph: GraphDef,
    inputs: Record<string, unknown> = {},
  ): Promise<{ runId: string; handle: WorkflowHandleWithFirstExecutionRunId<typeof runFlow> }> {
    const runId = `wf-test-${++this.sequence}`;
    const input: RunFlowInput = {
      runId,
      flow: { flowId: 'f1', name: 'test', version: 1, definition: { name: 'test', ...graph } },
      inputs,
      library: {},
      origin: 'api',
    };
    const handle = await this.env.client.workflow.start<typeof runFlow>('runFlow', {
      taskQueue: this.taskQueue,
      workflowId: `run-${runId}`,
      args: [input],
    });
    return { runId, handle };
  }

  /** The types of the events a run published, as `type:nodeId`, in order. */
  eventLog(runId: string): string[] {
    return (this.events.get(runId) ?? []).map((e) => (e.nodeId ? `${e.type}:${e.nodeId}` : e.type));
  }

  /** The server's clock, which time skipping moves ahead. */
  currentTimeMs(): Promise<number> {
    return this.env.currentTimeMs();
  }

  async stop(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
    await this.env.teardown();
    await this.server.stop();
  }
}

/**
 * The SDK's time-skipping environment on a test server that is already running. The public
 * `createTimeSkipping` starts the server itself and gives it 5 s to listen, which a JVM on a busy
 * two-core machine can miss; `create` (private in 1.24) is what it calls after starting one. When
 * an SDK upgrade removes it, this fails here, saying so.
 */
async function timeSkippingEnvironment(address: string): Promise<TestWorkflowEnvironment> {
  const sdk = TestWorkflowEnvironment as unknown as {
    create?: (options: {
      server: { type: 'existing' };
      address: string;
      namespace: string;
      supportsTimeSkipping: boolean;
      connectionOptions: object;
    }) => Promise<TestWorkflowEnvironment>;
  };
  if (typeof sdk.create !== 'function')
    throw new Error(
      '@temporalio/testing no longer has TestWorkflowEnvironment.create: update test/workflow/harness.ts',
    );
  return sdk.create({
    server: { type: 'existing' },
    address,
    namespace: 'default',
    supportsTimeSkipping: true,
    connectionOptions: {},
  });
}
