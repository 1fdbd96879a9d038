/**
 * Re-records test/fixtures/histories: runs representative flows (every node type and control-flow
 * feature) on a fresh dev server and Postgres, and writes each execution's history (children too)
 * in the JSON of `temporal workflow show --output json`. Run with `npm run record-histories`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import setup from '../global-setup.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startHttpServer } from '../helpers/http-server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { echoLoopNode } from '../../bench/flows.js';

const OUT = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

export const SCENARIOS: Record<string, (stack: Stack, urls: { http: string; llm: string }) => Promise<string>> = {
  async basics(stack) {
    const name = await stack.createFlow({
      name: 'rec-basics',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'greet', type: 'template', params: { template: 'Hello, {{in.name}}' } },
        { id: 'a', type: 'echo', params: { value: '{{greet}}', durationMs: 50 } },
        { id: 'b', type: 'echo', params: { value: 2, failAttempts: 1 }, retry: { initialInterval: '50ms' } },
        { id: 'shape', type: 'transform', params: { expression: '{"text": a, "n": b}' } },
        { id: 'out', type: 'output', params: { name: 'result', value: '{{shape}}' } },
      ],
      edges: [
        { source: 'in', target: 'greet' },
        { source: 'greet', target: 'a' },
        { source: 'in', target: 'b' },
        { source: 'a', target: 'shape' },
        { source: 'b', target: 'shape' },
        { source: 'shape', target: 'out' },
      ],
    });
    return (await stack.run(name, { inputs: { name: 'Ada' } })).runId;
  },
  async pure(stack) {
    // A chain of pure nodes runs ahead in one local activity (pureChain); the condition ends it.
    const name = await stack.createFlow({
      name: 'rec-pure',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'a', type: 'transform', params: { expression: 'inputs.n + 1' } },
        { id: 'b', type: 'transform', params: { expression: 'a * 2' } },
        { id: 'c', type: 'transform', params: { expression: 'b - 1' } },
        { id: 'big', type: 'condition', params: { expression: 'c > 10' } },
        { id: 'yes', type: 'transform', params: { expression: '"big " & $string(c)' } },
        { id: 'out', type: 'output', params: { value: '{{yes}}' } },
      ],
      edges: [
        { source: 'in', target: 'a' },
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
        { source: 'c', target: 'big' },
        { source: 'big', target: 'yes', sourceHandle: 'true' },
        { source: 'yes', target: 'out' },
      ],
    });
    return (await stack.run(name, { inputs: { n: 7 } })).runId;
  },
  /**
   * Recorded by engine-2026-11 (workflows/engine.ts): one patch marker for the run, nodes done at
   * once without a promise (input, inline template and output, pure nodes a chain ran ahead), the
   * outbox told of each settled activation by the graph's wait, and a loop whose items run lean.
   */
  async lean(stack) {
    const name = await stack.createFlow({
      name: 'rec-lean',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'greet', type: 'template', params: { template: 'Hi {{in.name}}' } },
        { id: 'a', type: 'echo', params: { value: '{{greet}}' } },
        { id: 'b', type: 'echo', params: { value: 2, durationMs: 30 } },
        { id: 'wait', type: 'delay', params: { duration: '20ms' } },
        { id: 't1', type: 'transform', params: { expression: 'b + 1' } },
        { id: 't2', type: 'transform', params: { expression: 't1 * 2' } },
        { id: 't3', type: 'transform', params: { expression: 't2 + 1' } },
        echoLoopNode('each', 'in.items', 2),
        { id: 'out', type: 'output', params: { name: 'result', value: '{{a}} {{t3}}' } },
      ],
      edges: [
        { source: 'in', target: 'greet' },
        { source: 'greet', target: 'a' },
        { source: 'in', target: 'b' },
        { source: 'in', target: 'wait' },
        { source: 'b', target: 't1' },
        { source: 't1', target: 't2' },
        { source: 't2', target: 't3' },
        { source: 'in', target: 'each' },
        { source: 'a', target: 'out' },
        { source: 't3', target: 'out' },
        { source: 'each', target: 'out' },
        { source: 'wait', target: 'out' },
      ],
    });
    return (await stack.run(name, { inputs: { name: 'Ada', items: [1, 2, 3] } })).runId;
  },
  async branches(stack) {
    const name = await stack.createFlow({
      name: 'rec-branches',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'big', type: 'condition', params: { expression: 'inputs.n > 10' } },
        { id: 'yes', type: 'template', params: { template: 'big' } },
        { id: 'no', type: 'echo', params: { value: 'small' } },
        { id: 'flaky', type: 'echo', params: { fail: 'always' }, onError: 'continue' },
        { id: 'afterFlaky', type: 'echo', params: {} },
        { id: 'merge', type: 'transform', params: { expression: '$exists(yes) ? yes : no' } },
        { id: 'out', type: 'output', params: { value: '{{merge}}' } },
      ],
      edges: [
        { source: 'in', target: 'big' },
        { source: 'big', target: 'yes', sourceHandle: 'true' },
        { source: 'big', target: 'no', sourceHandle: 'false' },
        { source: 'yes', target: 'merge' },
        { source: 'no', target: 'merge' },
        { source: 'flaky', target: 'afterFlaky' },
        { source: 'merge', target: 'out' },
      ],
    });
    return (await stack.run(name, { inputs: { n: 3 } })).runId;
  },
  async network(stack, urls) {
    const name = await stack.createFlow({
      name: 'rec-network',
      nodes: [
        { id: 'page', type: 'http', params: { url: `${urls.http}/page` } },
        {
          id: 'ask',
          type: 'llm',
          params: { baseUrl: `${urls.llm}/v1`, model: 'fake', prompt: 'Summarize {{page.body}}' },
        },
        { id: 'out', type: 'output', params: { value: '{{ask.text}}' } },
      ],
      edges: [
        { source: 'page', target: 'ask' },
        { source: 'ask', target: 'out' },
      ],
    });
    return (await stack.run(name)).runId;
  },
  async control(stack) {
    const body = await stack.createFlow({
      name: 'rec-row',
      nodes: [
        { id: 'row', type: 'input', params: { name: 'item' } },
        { id: 'line', type: 'echo', params: { value: '{{row.name}}' } },
        { id: 'out', type: 'output', params: { value: '{{line}}' } },
      ],
      edges: [
        { source: 'row', target: 'line' },
        { source: 'line', target: 'out' },
      ],
    });
    const child = await stack.createFlow({
      name: 'rec-child',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'rows', type: 'loop', params: { items: '{{in.csv}}', body, concurrency: 2 } },
        { id: 'out', type: 'output', params: { value: '{{rows}}' } },
      ],
      edges: [
        { source: 'in', target: 'rows' },
        { source: 'rows', target: 'out' },
      ],
    });
    const name = await stack.createFlow({
      name: 'rec-control',
      nodes: [
        { id: 'wait', type: 'delay', params: { duration: '100ms' } },
        { id: 'ok', type: 'approval', params: { timeout: '1m' } },
        { id: 'sub', type: 'subflow', params: { flow: child, inputs: { csv: 'name\nx\ny\nz' } } },
        { id: 'out', type: 'output', params: { value: '{{sub}}' } },
      ],
      edges: [
        { source: 'wait', target: 'ok' },
        { source: 'ok', target: 'sub' },
        { source: 'sub', target: 'out' },
      ],
    });
    const { runId } = await stack.start(name);
    await stack.waitForRun(runId, (r) => r.nodes.ok?.status === 'waiting');
    await stack.api('POST', `/api/v1/runs/${runId}/approvals/ok`, { approved: true, comment: 'go' });
    await stack.waitForRun(runId, (r) => r.status === 'completed');
    return runId;
  },
  async agent(stack, urls) {
    const name = await stack.createFlow({
      name: 'rec-agent',
      nodes: [
        { id: 'in', type: 'input' },
        {
          id: 'bot',
          type: 'agent',
          params: {
            baseUrl: `${urls.llm}/v1`,
            model: 'fake',
            system: 'Use the calculator.',
            prompt: '{{in.q}}',
            tools: [{ kind: 'calculator', name: 'calc' }],
          },
        },
        { id: 'out', type: 'output', params: { value: '{{bot.text}}' } },
      ],
      edges: [
        { source: 'in', target: 'bot' },
        { source: 'bot', target: 'out' },
      ],
    });
    return (await stack.run(name, { inputs: { q: 'What is 6 * 7?' } })).runId;
  },
  async failed(stack) {
    const name = await stack.createFlow({
      name: 'rec-failed',
      nodes: [
        { id: 'boom', type: 'echo', params: { durationMs: 100, fail: 'kaboom' } },
        { id: 'long', type: 'echo', params: { durationMs: 60_000 } },
      ],
    });
    return (await stack.run(name)).runId;
  },
  async cancelled(stack) {
    const name = await stack.createFlow({
      name: 'rec-cancelled',
      nodes: [{ id: 'long', type: 'echo', params: { durationMs: 60_000 } }],
    });
    const { runId } = await stack.start(name);
    await stack.waitForRun(runId, (r) => r.nodes.long?.status === 'running');
    await stack.api('POST', `/api/v1/runs/${runId}/cancel`);
    await stack.waitForRun(runId, (r) => r.status === 'cancelled');
    return runId;
  },
  /**
   * Recorded by engine-2026-12: a sub-flow, a loop and a pure node side by side, each with a
   * successor, every child awaited through childOutcome. (Whether two of them end in one activation
   * is up to timing: this history does not pin down the microtask order of such endings.)
   */
  async children(stack) {
    const inner = await stack.createFlow({
      name: 'rec-inner',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'e', type: 'echo', params: { value: '{{in.v}}' } },
        { id: 'out', type: 'output', params: { value: '{{e}}' } },
      ],
      edges: [
        { source: 'in', target: 'e' },
        { source: 'e', target: 'out' },
      ],
    });
    const name = await stack.createFlow({
      name: 'rec-children',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'sub', type: 'subflow', params: { flow: inner, inputs: { v: '{{in.x}}' } } },
        { id: 'after-sub', type: 'echo', params: { value: '{{sub}}' } },
        echoLoopNode('each', 'in.items', 3),
        { id: 'after-each', type: 'echo', params: { value: '{{each}}' } },
        { id: 't', type: 'transform', params: { expression: 'in.x & "!"' } },
        { id: 'after-t', type: 'echo', params: { value: '{{t}}' } },
        { id: 'out', type: 'output', params: { value: '{{after-sub}} {{after-t}}' } },
      ],
      edges: [
        { source: 'in', target: 'sub' },
        { source: 'sub', target: 'after-sub' },
        { source: 'in', target: 'each' },
        { source: 'each', target: 'after-each' },
        { source: 'in', target: 't' },
        { source: 't', target: 'after-t' },
        { source: 'after-sub', target: 'out' },
        { source: 'after-each', target: 'out' },
        { source: 'after-t', target: 'out' },
      ],
    });
    return (await stack.run(name, { inputs: { x: 'hi', items: [1, 2, 3] } })).runId;
  },
  /** Recorded by engine-2026-12: a loop cancelled while its items run ends cancelled, child and node. */
  async 'loop-cancelled'(stack) {
    const name = await stack.createFlow({
      name: 'rec-loop-cancelled',
      nodes: [{ id: 'in', type: 'input' }, echoLoopNode('each', 'in.items', 2, 60_000)],
      edges: [{ source: 'in', target: 'each' }],
    });
    const { runId } = await stack.start(name, { inputs: { items: [1, 2] } });
    await stack.waitForRunningActivities(`loop-${runId}.each-0-2`, 2);
    await stack.api('POST', `/api/v1/runs/${runId}/cancel`);
    await stack.waitForRun(runId, (r) => r.status === 'cancelled');
    return runId;
  },
};

async function main(): Promise<void> {
  const teardown = await setup();
  const http = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end('a page about durable flows'),
  );
  const llm = await startFakeOpenAI({
    tokens: ['Flows', ' survive', '.'],
    // The agent scenario: one calculator call, then the answer; every other request streams the tokens.
    respond: (request) =>
      request.tools?.length && !request.messages.some((m) => m.role === 'tool')
        ? { toolCalls: [{ name: 'calc', arguments: { expression: '6 * 7' } }] }
        : { tokens: ['Flows', ' survive', '.'] },
  });
  const stack = await startStack({ name: 'record', httpAllowHosts: [http.host, llm.host] });
  try {
    mkdirSync(OUT, { recursive: true });
    // RECORD_ONLY=a,b re-records just those scenarios and keeps the other files.
    const only = process.env.RECORD_ONLY?.split(',').filter(Boolean);
    for (const f of readdirSync(OUT))
      if (f.endsWith('.json') && (!only || only.some((o) => f.startsWith(`${o}.`)))) rmSync(path.join(OUT, f));
    for (const [scenario, run] of Object.entries(SCENARIOS).filter(([s]) => !only || only.includes(s))) {
      const runId = await run(stack, { http: http.url, llm: llm.url });
      // The run's state is stored just before its workflow closes: wait for the close itself.
      await stack.client.workflow
        .getHandle(`run-${runId}`)
        .result()
        .catch(() => undefined);
      const queue = [{ id: `run-${runId}`, file: scenario }];
      let n = 0;
      while (queue.length) {
        const { id, file } = queue.shift()!;
        const history = await stack.client.workflow.getHandle(id).fetchHistory();
        writeFileSync(
          path.join(OUT, `${file}.json`),
          `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`,
        );
        for (const e of history.events ?? []) {
          const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
          if (child) queue.push({ id: child, file: `${scenario}.child-${++n}` });
        }
      }
      process.stdout.write(`recorded ${scenario} (${n} child executions)\n`);
    }
  } finally {
    await stack.stop();
    await http.close();
    await llm.close();
    await teardown();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
