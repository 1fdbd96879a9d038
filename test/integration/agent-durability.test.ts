import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { spawnWorker, type AppProcess } from '../helpers/processes.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { startFakeOpenAI, type FakeChatRequest } from '../helpers/fake-openai.js';

let stack: Stack;
let llm: TestServer;
let pages: TestServer;
let worker: AppProcess | undefined;
let releaseB: (() => void) | undefined;
let onB: (() => void) | undefined;

/** `npm run worker` as its own process, so it can be killed mid-run. */
const startWorker = () =>
  spawnWorker(stack.taskQueue, { HTTP_ALLOW_HOSTS: `${llm.host},${pages.host}`, LOG_LEVEL: 'warn' });

/** Model call 1 asks for page a, call 2 for page b, call 3 answers with what the tools returned. */
function respond(request: FakeChatRequest) {
  const results = request.messages.filter((m) => m.role === 'tool').map((m) => m.content);
  if (results.length === 0) return { toolCalls: [{ name: 'page', arguments: { path: 'a' } }] };
  if (results.length === 1) return { toolCalls: [{ name: 'page', arguments: { path: 'b' } }] };
  return { tokens: [results.join(' + ')] };
}

beforeAll(async () => {
  llm = await startFakeOpenAI({ tokens: [], respond });
  pages = await startHttpServer((req, res) => {
    if (req.url === '/b' && onB) {
      // The first request for b is held: the test kills the worker while this tool call runs.
      const hook = onB;
      onB = undefined;
      releaseB = () => res.destroy();
      hook();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${req.url}`);
  });
  stack = await startStack({ name: 'agentkill', worker: false, httpAllowHosts: [llm.host, pages.host] });
});
afterAll(async () => {
  releaseB?.();
  await worker?.stop('SIGKILL');
  await stack?.stop();
  await llm?.close();
  await pages?.close();
});

describe('agent durability', () => {
  it('survives a worker SIGKILL between tool calls without repeating a finished model or tool call', async () => {
    const name = await stack.createFlow({
      name: uniqueName('agentkill'),
      nodes: [
        {
          id: 'bot',
          type: 'agent',
          params: {
            baseUrl: `${llm.url}/v1`,
            model: 'fake',
            prompt: 'read a then b',
            tools: [
              {
                kind: 'http',
                name: 'page',
                parameters: { type: 'object', properties: { path: { type: 'string' } } },
                config: { url: `${pages.url}/{{args.path}}` },
              },
            ],
          },
          retry: { maximumAttempts: 5, initialInterval: '100ms' },
        },
      ],
    });
    const bHeld = new Promise<void>((resolve) => (onB = resolve));
    worker = startWorker();
    const { runId } = await stack.start(name);
    await bHeld;
    // Model calls 1 and 2 and tool call a have finished; tool call b is in flight.
    expect(llm.requests.length).toBe(2);
    await worker.stop('SIGKILL');
    releaseB?.();
    worker = startWorker();
    const run = await stack.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed', 150_000);
    expect(run.status).toBe('completed');
    expect(run.nodes.bot.output.text).toBe('page /a + page /b');
    expect(llm.requests.length).toBe(3);
    expect(pages.requests.filter((r) => r.url === '/a').length).toBe(1);
    expect(pages.requests.filter((r) => r.url === '/b').length).toBe(2);
  }, 200_000);
});
