import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

const SECRET = 'sk-test-6f1d2c9a8b7e4f30';
let stack: Stack;
let server: TestServer;
let llmServer: TestServer;
const once = (def: Record<string, unknown>) => ({ retry: { maximumAttempts: 2, initialInterval: '50ms' }, ...def });

beforeAll(async () => {
  server = await startHttpServer((req, res, _body, n) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/echo-headers') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers }));
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.writeHead(200).end('late'), 3000);
    } else if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(50_000));
    } else if (url.pathname === '/redirect-private') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    } else if (url.pathname === '/redirect-ok') {
      res.writeHead(302, { location: '/echo-headers' }).end();
    } else if (url.pathname.startsWith('/rate-limited')) {
      if (n % 2 === 1) res.writeHead(429, { 'retry-after': '0' }).end('wait');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else if (url.pathname === '/teapot') {
      res.writeHead(418).end("I'm a teapot");
    } else if (url.pathname === '/boom') {
      res.writeHead(500).end('boom');
    } else {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ path: url.pathname, method: req.method }));
    }
  });
  llmServer = await startFakeOpenAI({ tokens: ['Dur', 'able', ' flows', '!'], failFirst: 1 });
  stack = await startStack({
    name: 'nodes',
    httpAllowHosts: [server.host, llmServer.host],
    env: { SECRET_API_TOKEN: SECRET },
  });
});
afterAll(async () => {
  await stack?.stop();
  await server?.close();
  await llmServer?.close();
});

async function runOne(node: Record<string, unknown>, inputs: Record<string, unknown> = {}) {
  const name = await stack.createFlow({ name: uniqueName(String(node.type)), nodes: [once({ id: 'n', ...node })] });
  return stack.run(name, { inputs });
}

describe('http', () => {
  it('sends method, query, JSON body and an Idempotency-Key, and returns {status, headers, body}', async () => {
    server.requests.length = 0;
    const run = await runOne({
      type: 'http',
      params: { method: 'POST', url: `${server.url}/echo-headers`, query: { q: 'a b' }, body: { hello: 'world' } },
    });
    expect(run.status).toBe('completed');
    expect(run.nodes.n.output).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
    const request = server.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/echo-headers?q=a+b', body: '{"hello":"world"}' });
    expect(request.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps the Idempotency-Key across retries', async () => {
    server.requests.length = 0;
    const run = await runOne({
      type: 'http',
      params: { url: `${server.url}/rate-limited-${Date.now()}` },
      retry: { maximumAttempts: 3, initialInterval: '50ms' },
    });
    expect(run.nodes.n.error).toBeUndefined();
    expect(run.nodes.n).toMatchObject({ status: 'completed', attempts: 2 });
    const keys = new Set(server.requests.map((r) => r.headers['idempotency-key']));
    expect(server.requests.length).toBe(2);
    expect(keys.size).toBe(1);
  });

  it('fails a 4xx without retrying and retries a 5xx', async () => {
    const teapot = await runOne({ type: 'http', params: { url: `${server.url}/teapot` } });
    expect(teapot.nodes.n).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { type: 'HttpClientError', message: expect.stringContaining('418') },
    });
    const boom = await runOne({ type: 'http', params: { url: `${server.url}/boom` } });
    expect(boom.nodes.n).toMatchObject({ status: 'failed', attempts: 2, error: { type: 'HttpServerError' } });
  });

  it('gives up on a host that does not answer in time, and on an unreachable host', async () => {
    const slow = await runOne({ type: 'http', params: { url: `${server.url}/slow`, timeoutMs: 300 } });
    expect(slow.nodes.n.status).toBe('failed');
    expect(slow.nodes.n.error.message).toMatch(/within 300 ms/);
    const closedPort = server.host.replace(/:\d+$/, ':1');
    const unreachableStack = `http://${closedPort}/`;
    const unreachable = await runOne({ type: 'http', params: { url: unreachableStack } });
    expect(unreachable.nodes.n.status).toBe('failed');
  });

  it('refuses loopback, private and metadata addresses unless allowed, also after a redirect', async () => {
    const loopback = await runOne({ type: 'http', params: { url: 'http://127.0.0.1:9/' } });
    expect(loopback.nodes.n).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'BlockedAddress' } });
    const byName = await runOne({ type: 'http', params: { url: 'http://localhost:9/' } });
    expect(byName.nodes.n).toMatchObject({ status: 'failed', error: { type: 'BlockedAddress' } });
    const redirected = await runOne({ type: 'http', params: { url: `${server.url}/redirect-private` } });
    expect(redirected.nodes.n).toMatchObject({
      status: 'failed',
      error: { type: 'BlockedAddress', message: expect.stringContaining('169.254.169.254') },
    });
    const followed = await runOne({ type: 'http', params: { url: `${server.url}/redirect-ok` } });
    expect(followed.nodes.n.output.status).toBe(200);
  });

  it('refuses a response larger than maxBytes', async () => {
    const run = await runOne({ type: 'http', params: { url: `${server.url}/big`, maxBytes: 1000 } });
    expect(run.nodes.n).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'ResponseTooLarge' } });
  });
});

describe('llm', () => {
  it('streams tokens as node.token events, retries a 429 and returns {text, usage}', async () => {
    const run = await runOne(
      {
        type: 'llm',
        params: {
          baseUrl: `${llmServer.url}/v1`,
          model: 'fake-1',
          system: 'be brief',
          prompt: 'Say {{inputs.word}}',
          apiKey: '{{secrets.API_TOKEN}}',
        },
        retry: { maximumAttempts: 3, initialInterval: '50ms' },
      },
      { word: 'hi' },
    );
    expect(run.nodes.n.error).toBeUndefined();
    expect(run.nodes.n).toMatchObject({
      attempts: 2,
      output: { text: 'Durable flows!', usage: { completion_tokens: 4 } },
    });
    const events = await readStream(stack.baseUrl, run.runId);
    // Tokens are released once no secret can still be completed by the next chunk (see secrets.ts).
    expect(
      events
        .filter((e) => e.event === 'node.token')
        .map((e) => e.data.token)
        .join(''),
    ).toBe('Durable flows!');
    const request = llmServer.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(request.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(request.body).messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'Say hi' },
    ]);
  });
});

describe('template, transform, condition', () => {
  it('renders templates and evaluates JSONata', async () => {
    const name = await stack.createFlow({
      name: uniqueName('tt'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 't', type: 'template', params: { template: '{{in.first}} {{in.last}} ({{in.tags}})' } },
        { id: 'x', type: 'transform', params: { expression: '{"n": $count(inputs.tags), "up": $uppercase(t)}' } },
        { id: 'out', type: 'output', params: { value: '{{x}}' } },
      ],
      edges: [
        { source: 'in', target: 't' },
        { source: 't', target: 'x' },
        { source: 'x', target: 'out' },
      ],
    });
    const run = await stack.run(name, { inputs: { first: 'Ada', last: 'Lovelace', tags: ['math', 'code'] } });
    expect(run.outputs.out).toEqual({ n: 2, up: 'ADA LOVELACE (["MATH","CODE"])' });
  });

  it('refuses a malformed JSONata expression at save time', async () => {
    const res = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('badjsonata'),
      nodes: [{ id: 'x', type: 'transform', params: { expression: '$sum(' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: '$.nodes[0].params.expression', message: expect.stringMatching(/^invalid JSONata/) },
    ]);
  });

  it('stops a JSONata expression that would run forever, and the worker stays healthy', async () => {
    const forever = await runOne({
      type: 'transform',
      params: { expression: '($f := function($x) { $f($x + 1) }; $f(0))' },
    });
    expect(forever.nodes.n).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'ExpressionFailed' } });
    const busy = await runOne({ type: 'transform', params: { expression: '$sum([1..9999999].($ * 2))' } });
    expect(busy.nodes.n.status).toBe('failed');
    const after = await runOne({ type: 'transform', params: { expression: '1 + 1' } });
    expect(after.nodes.n).toMatchObject({ status: 'completed', output: 2 });
  });
});

describe('secrets', () => {
  it('never puts a secret into workflow history, events or API responses', async () => {
    const name = await stack.createFlow({
      name: uniqueName('secret'),
      nodes: [
        {
          id: 'call',
          type: 'http',
          params: { url: `${server.url}/echo-headers`, headers: { authorization: 'Bearer {{secrets.API_TOKEN}}' } },
        },
        { id: 'out', type: 'output', params: { value: '{{call.body}}' } },
      ],
      edges: [{ source: 'call', target: 'out' }],
    });
    server.requests.length = 0;
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
    const history = historyToJSON(await stack.client.workflow.getHandle(run.workflowId).fetchHistory());
    const events = JSON.stringify(await stack.sql`SELECT data FROM run_events WHERE run_id = ${run.runId}`);
    const api = JSON.stringify((await stack.api('GET', `/api/v1/runs/${run.runId}`)).body);
    for (const text of [history, events, api]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
    expect(api).toContain('[secret]');
  });

  it('fails clearly when a secret is not set', async () => {
    const run = await runOne({
      type: 'http',
      params: { url: `${server.url}/echo-headers`, headers: { authorization: '{{secrets.NOPE}}' } },
    });
    expect(run.nodes.n).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { type: 'MissingSecret', message: expect.stringContaining('"NOPE"') },
    });
  });
});

describe('echo', () => {
  it('stops when its run is cancelled (the workflow waits for the activity to acknowledge)', async () => {
    const name = await stack.createFlow({
      name: uniqueName('echo-cancel'),
      nodes: [{ id: 'n', type: 'echo', params: { durationMs: 3_600_000 } }],
    });
    const { runId } = await stack.start(name);
    await stack.waitForRun(runId, (r) => r.nodes.n?.status === 'running');
    await stack.api('POST', `/api/v1/runs/${runId}/cancel`);
    const run = await stack.waitForRun(runId, (r) => r.status === 'cancelled');
    expect(run.nodes.n.status).toBe('cancelled');
    const history = await stack.client.workflow.getHandle(run.workflowId).fetchHistory();
    expect(history.events!.some((e) => e.activityTaskCanceledEventAttributes)).toBe(true);
  });
});
