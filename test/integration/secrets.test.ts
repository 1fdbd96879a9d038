import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyText } from '../helpers/history.js';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { readStream } from '../helpers/sse.js';

const SECRET = 'sk-live-93b1f0c2d4e6a8f7';
const PREFIX = SECRET.slice(0, 10);
let stack: Stack;
let server: TestServer;
let llmServer: TestServer;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const auth = String(req.headers.authorization ?? '');
    if (req.url === '/echo-encoded')
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          base64: Buffer.from(auth).toString('base64'),
          url: `https://cb.example/?t=${encodeURIComponent(auth)}`,
        }),
      );
    else if (req.url === '/deny')
      // the secret straddles the 2,000-character cut of the error details
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${'.'.repeat(1995)}${auth.slice(7)}${'.'.repeat(50)}`);
    else res.writeHead(404).end();
  });
  llmServer = await startFakeOpenAI({
    tokens: ['Your key: ', SECRET.slice(0, 4), SECRET.slice(4, 12), SECRET.slice(12), ' (keep it safe).'],
  });
  stack = await startStack({
    name: 'secrets',
    httpAllowHosts: [server.host, llmServer.host],
    // TINY has no hex letters: run and flow ids (hex) must not match it by chance.
    env: { SECRET_LIVE_KEY: SECRET, SECRET_TINY: 'qzw' },
  });
});
afterAll(async () => {
  await stack?.stop();
  await server?.close();
  await llmServer?.close();
});

async function everything(run: { runId: string; workflowId: string }) {
  const history = await historyText(stack.client.workflow.getHandle(run.workflowId));
  const events = JSON.stringify(await stack.sql`SELECT data FROM run_events WHERE run_id = ${run.runId}`);
  const api = JSON.stringify((await stack.api('GET', `/api/v1/runs/${run.runId}`)).body);
  return `${history}\n${events}\n${api}`;
}

const http = (id: string, path: string) => ({
  id,
  type: 'http',
  retry: { maximumAttempts: 1 },
  params: { url: `${server.url}${path}`, headers: { authorization: 'Bearer {{secrets.LIVE_KEY}}' } },
});

describe('secrets', () => {
  it('are refused at save time outside connection fields, with the JSON path', async () => {
    const res = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('leak'),
      nodes: [{ id: 't', type: 'transform', params: { expression: '$reverse($split("{{secrets.LIVE_KEY}}", ""))' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      {
        path: '$.nodes[0].params.expression',
        message: expect.stringContaining('secrets may appear only in the connection fields'),
      },
    ]);
  });

  it('are masked in base64 and URL-encoded echoes of a response', async () => {
    const name = await stack.createFlow({ name: uniqueName('echo'), nodes: [http('n', '/echo-encoded')] });
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    expect(run.nodes.n.output.body.base64).toContain('[secret]');
    const text = await everything(run);
    expect(text).not.toContain(PREFIX);
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 12));
    expect(text).not.toContain(encodeURIComponent(`Bearer ${SECRET}`));
  });

  it('are masked in error details before they are cut', async () => {
    const name = await stack.createFlow({ name: uniqueName('deny'), nodes: [http('n', '/deny')] });
    const run = await stack.run(name);
    expect(run.nodes.n).toMatchObject({ status: 'failed', error: { type: 'HttpClientError' } });
    const all = await everything(run);
    expect(all).not.toContain(SECRET.slice(0, 5));
  });

  it('are masked in llm token events even when split across chunks', async () => {
    const name = await stack.createFlow({
      name: uniqueName('llm'),
      nodes: [
        {
          id: 'n',
          type: 'llm',
          params: { baseUrl: `${llmServer.url}/v1`, model: 'm', prompt: 'hi', apiKey: '{{secrets.LIVE_KEY}}' },
        },
      ],
    });
    const run = await stack.run(name);
    expect(run.nodes.n.output.text).toBe('Your key: [secret] (keep it safe).');
    const tokens = (await readStream(stack.baseUrl, run.runId)).filter((e) => e.event === 'node.token');
    expect(tokens.map((e) => e.data.token).join('')).toBe('Your key: [secret] (keep it safe).');
    expect(await everything(run)).not.toContain(SECRET.slice(0, 4) + SECRET.slice(4, 8));
  });

  it('shorter than 8 characters are refused when read, without showing them', async () => {
    const name = await stack.createFlow({
      name: uniqueName('tiny'),
      nodes: [
        {
          id: 'n',
          type: 'http',
          retry: { maximumAttempts: 1 },
          params: { url: `${server.url}/echo-encoded`, headers: { 'x-key': '{{secrets.TINY}}' } },
        },
      ],
    });
    const run = await stack.run(name);
    expect(run.nodes.n).toMatchObject({
      status: 'failed',
      error: { type: 'SecretTooShort', message: expect.stringContaining('"TINY" has 3 characters') },
    });
    expect(JSON.stringify(run)).not.toContain('qzw');
  });

  it('are listed by name per flow, and a run may read only those', async () => {
    const name = await stack.createFlow({ name: uniqueName('listed'), nodes: [http('n', '/echo-encoded')] });
    const flow = await stack.api('GET', `/api/v1/flows/${name}`);
    expect(flow.body.secrets).toEqual(['LIVE_KEY']);
    expect(JSON.stringify(flow.body)).not.toContain(SECRET);
    const res = await stack.api('POST', `/api/v1/flows/${name}/runs`, {
      tweaks: { n: { headers: { authorization: 'Bearer {{secrets.OTHER_TEAM_KEY}}' } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: '$.tweaks.n.headers.authorization', message: expect.stringContaining('only the secrets its flow names') },
    ]);
    const moved = await stack.api('POST', `/api/v1/flows/${name}/runs`, {
      tweaks: { n: { url: 'https://collector.example/' } },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.details).toEqual([
      { path: '$.tweaks.n.url', message: expect.stringContaining('may not change where it connects') },
    ]);
  });
});
