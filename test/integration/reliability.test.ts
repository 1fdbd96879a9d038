import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventWriter } from '../../events/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { readStream } from '../helpers/sse.js';
import { spawnWorker, type AppProcess } from '../helpers/processes.js';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

let stack: Stack;
let remote: TestServer;
const workers: AppProcess[] = [];

beforeAll(async () => {
  // /slow answers after 3 s (long enough to lose its worker mid-request); /nul answers with a NUL byte.
  remote = await startHttpServer((req, res) => {
    if (req.url?.startsWith('/slow')) setTimeout(() => res.end('slow done'), 3000);
    else if (req.url?.startsWith('/nul')) res.end(JSON.stringify({ text: 'x\u0000y' }));
    else res.end('ok');
  });
  stack = await startStack({ name: 'reliable', worker: false, httpAllowHosts: [remote.host] });
});
afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await stack?.stop();
  await remote?.close();
});

describe('a lost worker', () => {
  it('does not spend the attempts of a node that does not heartbeat itself (http, maximumAttempts 1)', async () => {
    const name = await stack.createFlow({
      name: uniqueName('lost'),
      nodes: [
        { id: 'call', type: 'http', params: { url: `${remote.url}/slow` }, retry: { maximumAttempts: 1 } },
        { id: 'after', type: 'echo', params: { value: 'done' } },
      ],
      edges: [{ source: 'call', target: 'after' }],
    });
    // `npm run worker` as its own process, so it can be lost with SIGKILL.
    const worker = spawnWorker(stack.taskQueue, { HTTP_ALLOW_HOSTS: remote.host });
    workers.push(worker);
    await worker.logged('worker running');
    const before = remote.requests.length;
    const { runId } = await stack.start(name);
    await waitFor(() => remote.requests.length > before);
    await worker.stop('SIGKILL');
    await stack.startWorker();
    const run = await stack.waitForRun(runId, (r) => r.status !== 'running', 90_000);
    expect(run.status).toBe('completed');
    expect(run.nodes.call).toMatchObject({ status: 'completed', attempts: 2 });
    const events = await readStream(stack.baseUrl, runId);
    const retrying = events.filter((e) => e.event === 'node.retrying');
    expect(retrying.map((e) => [e.data.nodeId, e.data.attempt, e.data.reason])).toEqual([['call', 1, 'worker-lost']]);
    // The lost attempt's own node.started may not have reached Postgres before the kill; the retry's did.
    expect(events.filter((e) => e.event === 'node.started' && e.data.nodeId === 'call').at(-1)!.data.attempt).toBe(2);
    await stack.stopWorkers();
  });

  it("keeps the node's own retry policy: its own errors still end it after maximumAttempts", async () => {
    await stack.startWorker();
    const name = await stack.createFlow({
      name: uniqueName('own'),
      nodes: [
        {
          id: 'flaky',
          type: 'echo',
          params: { failAttempts: 5 },
          retry: { maximumAttempts: 2, initialInterval: '100ms' },
        },
      ],
    });
    const run = await stack.run(name, {}, 60);
    expect(run.status).toBe('failed');
    expect(run.nodes.flaky).toMatchObject({ status: 'failed', attempts: 2 });
    await stack.stopWorkers();
  });
});

describe('unstorable bytes', () => {
  it('keeps NUL bytes and lone surrogates of inputs and http bodies, beside a clean run', async () => {
    await stack.startWorker();
    const name = await stack.createFlow({
      name: uniqueName('nul'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'page', type: 'http', params: { url: `${remote.url}/nul` } },
        { id: 'text', type: 'template', params: { template: '{{in.name}}!' } },
        {
          id: 'out',
          type: 'output',
          params: { value: { name: '{{in.name}}', body: '{{page.body}}', text: '{{text}}' } },
        },
      ],
      edges: [
        { source: 'in', target: 'page' },
        { source: 'in', target: 'text' },
        { source: 'page', target: 'out' },
        { source: 'text', target: 'out' },
      ],
    });
    const clean = await stack.createFlow({
      name: uniqueName('clean'),
      nodes: [{ id: 'e', type: 'echo', params: { value: 'fine' } }],
    });
    const weird = 'a\u0000b\ud800c';
    const [dirty, ok] = await Promise.all([stack.start(name, { inputs: { name: weird } }), stack.start(clean)]);
    const run = await stack.waitForRun(dirty.runId, (r) => r.status !== 'running', 60_000);
    expect(run.status).toBe('completed');
    expect(run.outputs.out).toEqual({ name: weird, body: JSON.stringify({ text: 'x\u0000y' }), text: `${weird}!` });
    expect((await stack.waitForRun(ok.runId, (r) => r.status !== 'running')).status).toBe('completed');
    const events = await readStream(stack.baseUrl, dirty.runId);
    expect(events.at(-1)!.event).toBe('run.completed');
    await stack.stopWorkers();
  });

  it('a refused append fails alone: the other runs of its group-commit batch are stored', async () => {
    const writer = new EventWriter(stack.sql, 1);
    const ts = new Date().toISOString();
    const [bad, good] = await Promise.allSettled([
      writer.append(uniqueName('bad'), [{ type: 'node.started', key: 'k', ts: 'not a time' }]),
      writer.append(uniqueName('good'), [{ type: 'node.started', key: 'k', ts, data: { text: 'a\u0000b' } }]),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 50));
  }
}
