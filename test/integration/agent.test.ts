import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { historyText } from '../helpers/history.js';
import { startFakeOpenAI, type FakeChatRequest } from '../helpers/fake-openai.js';

let stack: Stack;
let llm: TestServer;
let pages: TestServer;

/** Tool calls while the prompt asks for more rounds than the conversation has tool results; then an answer. */
const TG_TOKEN = '123456789:AAH-supersecret-token';

function respond(request: FakeChatRequest) {
  const rounds = Number(
    /rounds=(\d+)/.exec(String(request.messages.find((m) => m.role === 'user')?.content))?.[1] ?? 0,
  );
  const done = request.messages.filter((m) => m.role === 'tool').length;
  if ((request.tools ?? []).some((t) => t.function.name === 'leaky') && done === 0)
    return { toolCalls: [{ name: 'leaky', arguments: {} }] };
  if (done < rounds) return { toolCalls: [{ name: 'add', arguments: { expression: `${done} + 1` } }] };
  return { tokens: ['Done', ' after ', String(done)] };
}

beforeAll(async () => {
  llm = await startFakeOpenAI({
    tokens: [],
    // Model `slow` thinks for 10 s: an agent that is busy when something happens to it.
    respond: async (request) => {
      if (request.model === 'slow') await new Promise((r) => setTimeout(r, 10_000));
      return respond(request);
    },
  });
  pages = await startHttpServer((req, res) =>
    req.url?.startsWith('/missing/')
      ? res.writeHead(404).end()
      : res.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${req.url}`),
  );
  stack = await startStack({
    name: 'agent',
    httpAllowHosts: [llm.host, pages.host],
    env: { SECRET_TG_TOKEN: TG_TOKEN },
  });
});
afterAll(async () => {
  await stack?.stop();
  await llm?.close();
  await pages?.close();
});

const agentFlow = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: uniqueName('agent'),
  nodes: [
    { id: 'in', type: 'input' },
    {
      id: 'bot',
      type: 'agent',
      params: {
        baseUrl: `${llm.url}/v1`,
        model: 'fake',
        system: 'You add numbers.',
        prompt: '{{in.q}}',
        tools: [{ kind: 'calculator', name: 'add' }],
        ...params,
      },
      retry: { maximumAttempts: 2, initialInterval: '50ms' },
      ...extra,
    },
    { id: 'out', type: 'output', params: { value: '{{bot.text}}' } },
  ],
  edges: [
    { source: 'in', target: 'bot' },
    { source: 'bot', target: 'out' },
  ],
});

describe('agent node', () => {
  it("masks a secret in an http tool's failure: not in the tool result, the model request or history", async () => {
    const name = await stack.createFlow(
      agentFlow({
        tools: [
          {
            kind: 'http',
            name: 'leaky',
            parameters: { type: 'object', properties: {} },
            config: { url: `${pages.url}/missing/bot{{secrets.TG_TOKEN}}/send` },
          },
        ],
      }),
    );
    const { runId } = await stack.start(name, { inputs: { q: 'send it' } });
    const run = await stack.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed');
    expect(run.status).toBe('completed');
    // The request did carry the secret; its 404 said where, and that answer reached the model.
    expect(pages.requests.some((r) => r.url?.includes(TG_TOKEN))).toBe(true);
    const toolMessage = run.nodes.bot.output.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toolMessage.content).toMatch(/^Error: HTTP 404/);
    expect(JSON.stringify(run)).not.toContain(TG_TOKEN);
    expect(llm.requests.at(-1)!.body).not.toContain(TG_TOKEN);
    for (const id of [`run-${runId}`, `agent-${runId}.bot`])
      expect(await historyText(stack.client.workflow.getHandle(id)), id).not.toContain(TG_TOKEN);
  });

  it('loops model → tool → model, each call its own activity, and returns {text, messages, usage}', async () => {
    const name = await stack.createFlow(agentFlow({}));
    const run = await stack.run(name, { inputs: { q: 'rounds=2' } });
    expect(run.status).toBe('completed');
    expect(run.outputs.out).toBe('Done after 2');
    const output = run.nodes.bot.output;
    expect(output.messages.map((m: { role: string }) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(output.messages[3].content).toBe('1');
    expect(output.messages[5].content).toBe('2');
    expect(output.usage.total_tokens).toBeGreaterThan(0);
    const history = await stack.client.workflow.getHandle(`agent-${run.runId}.bot`).fetchHistory();
    const activities = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(activities).toEqual(['agentModel', 'agentTool', 'agentModel', 'agentTool', 'agentModel']);
    const events = await readStream(stack.baseUrl, run.runId);
    expect(events.filter((e) => e.event === 'node.token').map((e) => e.data.token)).toEqual(['Done', ' after ', '2']);
    expect(events.filter((e) => e.event === 'node.progress' && e.data.tool === 'add').length).toBe(2);
  });

  it('continues as new past its history budget and keeps the whole conversation', async () => {
    const name = await stack.createFlow(agentFlow({ historyBudget: 50, maxIterations: 20 }));
    const run = await stack.run(name, { inputs: { q: 'rounds=8' } });
    expect(run.status).toBe('completed');
    expect(run.outputs.out).toBe('Done after 8');
    expect(run.nodes.bot.output.messages.filter((m: { role: string }) => m.role === 'tool').length).toBe(8);
    const latest = await stack.client.workflow.getHandle(`agent-${run.runId}.bot`).fetchHistory();
    const started = latest.events![0].workflowExecutionStartedEventAttributes!;
    expect(started.continuedExecutionRunId).toBeTruthy();
    expect(latest.events!.length).toBeLessThan(80);
  });

  it('fails with AgentMaxIterations when the model never answers', async () => {
    const name = await stack.createFlow(agentFlow({ maxIterations: 2 }));
    const run = await stack.run(name, { inputs: { q: 'rounds=9' } });
    expect(run.status).toBe('failed');
    expect(run.nodes.bot).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('maxIterations (2)') },
    });
  });

  it('fails the node when its agent workflow is cancelled on its own while the run goes on', async () => {
    const name = await stack.createFlow(agentFlow({ model: 'slow' }));
    const { runId } = await stack.start(name, { inputs: { q: 'hi' } });
    const child = await stack.waitForRunningActivities(`agent-${runId}.bot`, 1);
    await child.cancel();
    const run = await stack.waitForRun(runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
    expect(run.status).toBe('failed');
    expect(run.nodes.bot).toMatchObject({ status: 'failed', error: { type: 'ChildCancelled' } });
  });

  it('refuses a literal API key when the flow is saved', async () => {
    const res = await stack.api('POST', '/api/v1/flows', agentFlow({ apiKey: 'sk-literal' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({
      path: '$.nodes[1].params.apiKey',
      message: expect.stringContaining('secret reference'),
    });
  });
});
