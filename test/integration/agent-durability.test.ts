import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { startFakeOpenAI, type FakeChatRequest } from '../helpers/fake-openai.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
let llm: TestServer;
let pages: TestServer;
let worker: ChildProcess | undefined;
let releaseB: (() => void) | undefined;
let onB: (() => void) | undefined;

function startWorker(): ChildProcess {
  const env = testEnv();
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      HTTP_ALLOW_HOSTS: `${llm.host},${pages.host}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return child;
}

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
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
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
    const killed = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGKILL');
    await killed;
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
