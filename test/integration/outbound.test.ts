import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';

const SECRET = 'tok-7c1e9a2b5d8f4e60';
let stack: Stack;
/** Listed in HTTP_ALLOW_HOSTS: redirects wherever the test asks. */
let front: TestServer;
/** Listed too, on another port (another origin): echoes what it received. */
let other: TestServer;
/** NOT listed: a loopback service no node may reach. */
let internal: TestServer;
let llmServer: TestServer;

beforeAll(async () => {
  internal = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"internal":"metadata-token-123"}'),
  );
  other = await startHttpServer((req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers })),
  );
  // /r/<status>/<internal|other>/<rest> answers <status> with location <that server>/<rest>
  front = await startHttpServer((req, res) => {
    const match = /^\/r\/(\d+)\/(internal|other)(\/.*)$/.exec(req.url!);
    if (!match) return void res.writeHead(404).end();
    const to = match[2] === 'internal' ? internal.url : other.url;
    res.writeHead(Number(match[1]), { location: `${to}${match[3]}` }).end();
  });
  llmServer = await startFakeOpenAI({ tokens: Array.from({ length: 200 }, () => 'x'.repeat(50)), delayMs: 0 });
  stack = await startStack({
    name: 'outbound',
    httpAllowHosts: [front.host, other.host, llmServer.host],
    env: { SECRET_OUT_TOKEN: SECRET },
  });
});
afterAll(async () => {
  await stack?.stop();
  for (const s of [front, other, internal, llmServer]) await s?.close();
});

async function runOne(node: Record<string, unknown>) {
  const name = await stack.createFlow({
    name: uniqueName(String(node.type)),
    nodes: [{ id: 'n', retry: { maximumAttempts: 1 }, ...node }],
  });
  return stack.run(name);
}

const llmNode = (baseUrl: string, extra: Record<string, unknown> = {}) => ({
  type: 'llm',
  params: { baseUrl, model: 'fake-1', prompt: 'hi', apiKey: '{{secrets.OUT_TOKEN}}', ...extra },
});

describe('llm through the guarded dispatcher', () => {
  it('refuses a redirect from an allowed baseUrl to an unlisted loopback host', async () => {
    internal.requests.length = 0;
    const run = await runOne(llmNode(`${front.url}/r/302/internal/v1`));
    expect(run.nodes.n).toMatchObject({ status: 'failed', error: { type: 'BlockedAddress' } });
    expect(internal.requests).toHaveLength(0);
    expect(JSON.stringify(run)).not.toContain('metadata-token-123');
  });

  it('refuses a 307/308 to another origin: the body (and the key) are not resent', async () => {
    other.requests.length = 0;
    for (const status of [307, 308]) {
      const run = await runOne(llmNode(`${front.url}/r/${status}/other/v1`));
      expect(run.nodes.n).toMatchObject({ status: 'failed', error: { type: 'RedirectRefused' } });
      const http = await runOne({
        type: 'http',
        params: { method: 'POST', url: `${front.url}/r/${status}/other/go`, body: { prompt: 'x' } },
      });
      expect(http.nodes.n).toMatchObject({ status: 'failed', error: { type: 'RedirectRefused' } });
    }
    expect(other.requests).toHaveLength(0);
  });

  it('caps the size of an llm response like http bodies', async () => {
    const run = await runOne(llmNode(`${llmServer.url}/v1`, { maxBytes: 2000 }));
    expect(run.nodes.n).toMatchObject({ status: 'failed', error: { type: 'ResponseTooLarge' } });
  });
});

describe('http redirects', () => {
  it('drops Authorization, cookies and secret-bearing headers on a redirect to another origin', async () => {
    other.requests.length = 0;
    const run = await runOne({
      type: 'http',
      params: {
        url: `${front.url}/r/302/other/echo`,
        headers: {
          authorization: 'Bearer {{secrets.OUT_TOKEN}}',
          cookie: 'session=abc',
          'x-custom-key': 'key={{secrets.OUT_TOKEN}}',
          'x-trace': 'kept',
        },
      },
    });
    expect(run.nodes.n.error).toBeUndefined();
    const received = other.requests[0].headers;
    expect(received['x-trace']).toBe('kept');
    expect(received.authorization).toBeUndefined();
    expect(received.cookie).toBeUndefined();
    expect(received['x-custom-key']).toBeUndefined();
  });

  it('checks every hop even when the first host is listed', async () => {
    internal.requests.length = 0;
    const run = await runOne({ type: 'http', params: { url: `${front.url}/r/302/internal/x` } });
    expect(run.nodes.n).toMatchObject({ status: 'failed', error: { type: 'BlockedAddress' } });
    expect(internal.requests).toHaveLength(0);
  });
});
