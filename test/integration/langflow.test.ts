import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LangflowClient } from '@datastax/langflow-client';
import { startStack, type Stack } from '../helpers/stack.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { startFakeOpenAI, type FakeChatRequest, type FakeReply } from '../helpers/fake-openai.js';

// The Langflow starter projects in shared/, beside this checkout (as CI lays it out).
// LANGFLOW_STARTERS_DIR points elsewhere (e.g. from a git worktree, where ../shared is not beside the checkout).
const SHARED = process.env.LANGFLOW_STARTERS_DIR
  ? `${process.env.LANGFLOW_STARTERS_DIR.replace(/\/$/, '')}/`
  : fileURLToPath(new URL('../../../shared/langflow/', import.meta.url));
const load = (file: string) => JSON.parse(readFileSync(`${SHARED}${file}`, 'utf8'));
const own = (file: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/langflow/${file}`, import.meta.url), 'utf8'));

const API_KEY = 'lf-test-key';
let stack: Stack;
/** The API with Langflow's x-api-key header. */
const api = (method: string, path: string, body?: unknown) => stack.api(method, path, body, { 'x-api-key': API_KEY });
let llm: TestServer;
let pages: TestServer;
let client: LangflowClient;

/** The fake model: calls a tool when the conversation asks for one, else answers from what it saw. */
function respond(request: FakeChatRequest): FakeReply {
  if (request.model === 'fail-please') return { status: 400 };
  const last = request.messages.at(-1)!;
  const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
  const tools = (request.tools ?? []).map((t) => t.function.name);
  if (request.response_format) {
    return {
      tokens: [
        JSON.stringify({
          COMPANY: 'Acme',
          REVENUE: '$10M',
          GROSS_PROFIT: '$4M',
          EBITDA: '$2M',
          EBIT: '$1.5M',
          NET_INCOME: '$1M',
          NET_MARGIN: '10%',
        }),
      ],
    };
  }
  if (last.role === 'tool') return { tokens: ['Tool said: ', String(last.content).slice(0, 300)] };
  const user = String(last.content ?? '');
  if (tools.includes('fetch_content') && /SOURCE URL: (\S+)/.test(system))
    return { toolCalls: [{ name: 'fetch_content', arguments: { urls: [/SOURCE URL: (\S+)/.exec(system)![1]] } }] };
  if (tools.includes('retrieve_memory') && /what is my name/i.test(user))
    return { toolCalls: [{ name: 'retrieve_memory', arguments: { search_query: 'name' } }] };
  if (tools.includes('evaluate_expression') && /compute/i.test(user))
    return { toolCalls: [{ name: 'evaluate_expression', arguments: { expression: '(2 + 3) * 4' } }] };
  if (tools.includes('perform_search') && /search/i.test(user))
    return { toolCalls: [{ name: 'perform_search', arguments: { query: 'durable flows' } }] };
  return { tokens: ['Hello', ' from', ' the', ' fake'] };
}

beforeAll(async () => {
  llm = await startFakeOpenAI({
    tokens: [],
    // `slow-please` answers after 600 ms: a quiet stream, for the keep-alive.
    respond: async (request) => {
      if (request.model === 'slow-please') await new Promise((r) => setTimeout(r, 600));
      return respond(request);
    },
  });
  pages = await startHttpServer((req, res) => {
    if (req.url?.startsWith('/search'))
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: ['durable result'] }));
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<html><head><style>p{}</style></head><body><h1>Temporal</h1><p>Durable execution rocks.</p></body></html>',
        );
  });
  stack = await startStack({
    name: 'langflow',
    httpAllowHosts: [llm.host, pages.host],
    apiKeys: [API_KEY],
    keepAliveMs: 100,
    env: { LLM_BASE_URL: `${llm.url}/v1`, LLM_MODEL: 'fake-model', SECRET_LLM_API_KEY: 'sk-default-key-123' },
  });
  client = new LangflowClient({ baseUrl: stack.baseUrl, apiKey: API_KEY });
});
afterAll(async () => {
  await stack?.stop();
  await llm?.close();
  await pages?.close();
});

async function importFile(exp: unknown, query = '') {
  return api('POST', `/api/v1/flows/import/langflow${query}`, exp);
}

describe('import', () => {
  it('imports all five Langflow starter projects, reporting what each component became', async () => {
    for (const [file, name] of [
      ['Basic Prompting.json', 'basic-prompting'],
      ['Blog Writer.json', 'blog-writer'],
      ['Simple Agent.json', 'simple-agent'],
      ['Memory Chatbot.json', 'memory-chatbot'],
      ['Financial Report Parser.json', 'financial-report-parser'],
    ]) {
      const res = await importFile(load(file), `?webSearchUrl=${encodeURIComponent(`${pages.url}/search`)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ name, version: 1, unsupported: [] });
      for (const c of res.body.components) expect(['mapped', 'tool', 'ignored']).toContain(c.status);
    }
    const blog = (await api('GET', '/api/v1/flows/blog-writer')).body;
    expect(blog.definition.nodes.map((n: { id: string; type: string }) => `${n.id}:${n.type}`)).toEqual(
      expect.arrayContaining(['ChatInput-w522Z:message', 'Prompt_Template-3URhM:template', 'Agent-9tNMJ:agent']),
    );
    const agent = blog.definition.nodes.find((n: { id: string }) => n.id === 'Agent-9tNMJ');
    expect(agent.label).toBe('Agent');
    expect(agent.params.tools.map((t: { kind: string }) => t.kind)).toEqual(['url_fetch', 'calculator']);
  });

  it('makes a new version when the same flow is imported again', async () => {
    const res = await importFile(load('Basic Prompting.json'));
    expect(res.status).toBe(201);
    expect(res.body.version).toBeGreaterThanOrEqual(2);
  });

  it('refuses unsupported components with 422 listing each, unless allowUnsupported; a run then fails early', async () => {
    const res = await importFile(own('vector-answer.json'));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unsupported_components');
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ id: 'AstraDB-bbbb2', type: 'AstraDB', reason: expect.stringContaining('AstraDB') }),
    ]);
    const stored = await importFile(own('vector-answer.json'), '?allowUnsupported=true');
    expect(stored.status).toBe(201);
    expect(stored.body.components.find((c: { id: string }) => c.id === 'AstraDB-bbbb2').status).toBe('unsupported');
    const run = await api('POST', '/api/v1/run/vector-answer', { input_value: 'hi' });
    expect(run.status).toBe(422);
    expect(run.body.error.details[0]).toMatchObject({ id: 'AstraDB-bbbb2', type: 'AstraDB' });
    // Nor can it be scheduled: every scheduled run would fail the same way.
    const scheduled = await api('POST', '/api/v1/flows/vector-answer/schedules', { cron: '0 9 * * *' });
    expect(scheduled.status).toBe(422);
    expect(scheduled.body.error.code).toBe('unsupported_components');
  });

  it('imports from the CLI: tempoflow import <file>', async () => {
    const cli = (file: string) =>
      promisify(execFile)(
        process.execPath,
        [fileURLToPath(new URL('../../bin/tempoflow.js', import.meta.url)), 'import', file],
        {
          env: { ...process.env, TEMPOFLOW_URL: stack.baseUrl, TEMPOFLOW_API_KEY: API_KEY },
        },
      );
    const { stdout } = await cli(`${SHARED}Memory Chatbot.json`);
    expect(stdout).toMatch(/^imported memory-chatbot v\d+$/m);
    expect(stdout).toMatch(/MemoryBase-xePih\s+MemoryBase\s+tool\s+agent tool memory_search "retrieve_memory"/);
    const refused = await cli(fileURLToPath(new URL('../fixtures/langflow/vector-answer.json', import.meta.url))).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused).toMatchObject({ code: expect.any(Number) });
    expect((refused as { stderr: string }).stderr).toContain('AstraDB-bbbb2 (AstraDB)');
  });

  it('answers 400 with a JSON path for a body that is not a Langflow export', async () => {
    const res = await importFile({ nodes: [] });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('$.data');
    const doc = await api('GET', '/api/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/flows/import/langflow', '/api/v1/run/{flow}', '/api/v1/webhook/{flow}']),
    );
  });
});

describe('run API', () => {
  it('runs Basic Prompting through /api/v1/run with Langflow’s RunResponse shape', async () => {
    const res = await api('POST', '/api/v1/run/basic-prompting', {
      input_value: 'What is Temporal?',
      session_id: 's-basic',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.session_id).toBe('s-basic');
    const result = res.body.outputs[0].outputs[0];
    expect(result.results.message).toMatchObject({ text: 'Hello from the fake', sender: 'Machine', sender_name: 'AI' });
    expect(result.component_id).toBe('ChatOutput-yK0AU');
    const sent = JSON.parse(llm.requests.at(-1)!.body);
    expect(sent.model).toBe('fake-model');
    expect(sent.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('GenAI expert') });
    expect(sent.messages[1]).toEqual({ role: 'user', content: 'What is Temporal?' });
    expect(llm.requests.at(-1)!.headers.authorization).toBe('Bearer sk-default-key-123');
    // It is a normal run: the run id leads to its state; the default key never enters its history.
    const run = await api('GET', `/api/v1/runs/${res.body.run_id}`);
    expect(run.body.status).toBe('completed');
    const history = await api('GET', `/api/v1/runs/${res.body.run_id}/history`);
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain('sk-default-key-123');
    expect(JSON.stringify(run.body)).not.toContain('sk-default-key-123');
  });

  it('needs the API key (x-api-key) when API_KEYS is set', async () => {
    const res = await stack.api('POST', '/api/v1/run/basic-prompting', { input_value: 'hi' });
    expect(res.status).toBe(401);
  });

  it('streams an error event when the run fails', async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/run/basic-prompting?stream=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ input_value: 'hi', tweaks: { 'Language Model': { model_name: 'fail-please' } } }),
    });
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; data: { error?: string } });
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: expect.stringContaining('LLM 400') } });
  });

  it('keeps a quiet stream alive with blank lines that Langflow clients pass over', async () => {
    const slow = { 'Language Model': { model_name: 'slow-please' } };
    const res = await fetch(`${stack.baseUrl}/api/v1/run/basic-prompting?stream=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ input_value: 'hi', tweaks: slow }),
    });
    const text = await res.text();
    // Frames are `{…}\n\n`; a keep-alive is a blank line of its own, here while the model is quiet.
    expect(text.replace(/\{[^\n]*\}\n\n/g, '')).toMatch(/^\n+$/);
    const events = text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { event: string });
    expect(events.map((e) => e.event)).toContain('token');
    expect(events.at(-1)!.event).toBe('end');
    // …and the Langflow client reads the same stream without a parse error.
    const kinds: string[] = [];
    for await (const e of await client.flow('basic-prompting').stream('Stream it', { tweaks: slow }))
      kinds.push(e.event);
    expect(kinds.at(-1)).toBe('end');
  });

  it('does not buffer a stream for a client that does not read, and resumes where it stopped', async () => {
    // A native flow that waits at an approval, its stream opened and never read; then 30 MB of
    // tokens are stored for the run, more than the kernel's socket buffers hold.
    const name = `lf-firehose-${Date.now()}`;
    const created = await api('POST', '/api/v1/flows', {
      name,
      nodes: [{ id: 'ask', type: 'approval', params: { timeout: '10m', message: 'go?' } }],
    });
    expect(created.status).toBe(201);
    const url = new URL(stack.baseUrl);
    const slow = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        {
          method: 'POST',
          host: url.hostname,
          port: url.port,
          path: `/api/v1/run/${name}?stream=true`,
          headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
          agent: false,
        },
        resolve,
      );
      req.on('error', reject);
      req.end(JSON.stringify({ input_value: 'x' }));
    });
    slow.pause();
    const runId = String(slow.headers['x-tempoflow-run-id']);
    try {
      for (let i = 0; (await api('GET', `/api/v1/runs/${runId}`)).body.nodes?.ask?.status !== 'waiting'; i++) {
        expect(i).toBeLessThan(600);
        await new Promise((r) => setTimeout(r, 100));
      }
      const n = 30_000;
      await stack.sql.begin(async (tx) => {
        await tx`INSERT INTO run_events (run_id, seq, type, node_id, attempt, dedupe_key, data)
          SELECT ${runId}, h.last_seq + g, 'node.token', 'ask', 1, 'firehose:' || g,
                 jsonb_build_object('runId', ${runId}::text, 'type', 'node.token', 'nodeId', 'ask',
                                    'token', repeat('x', 1000))
          FROM run_event_heads h, generate_series(1, ${n}) g WHERE h.run_id = ${runId}`;
        const [head] = await tx<{ last: string }[]>`
          UPDATE run_event_heads SET last_seq = last_seq + ${n} WHERE run_id = ${runId} RETURNING last_seq::text AS last`;
        await tx`SELECT pg_notify('tempoflow_events', ${`${runId}:${head.last}`})`;
      });
      const stream = () => [...stack.app.streams].find((r) => r.getHeader('x-tempoflow-run-id') === runId);
      for (let i = 0; !stream()?.writableNeedDrain; i++) {
        expect(i).toBeLessThan(600);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(stream()!.writableLength).toBeLessThan(200_000);
      // Once the client reads, every token arrives, in order.
      slow.setEncoding('utf8');
      let tokens = 0;
      await new Promise<void>((resolve) => {
        let buffered = '';
        slow.on('data', (chunk: string) => {
          buffered += chunk;
          const frames = buffered.split('\n');
          buffered = frames.pop()!;
          for (const f of frames) if (f.startsWith('{"event":"token"')) tokens++;
          if (tokens === n) resolve();
        });
        slow.resume();
      });
      expect(tokens).toBe(n);
    } finally {
      slow.destroy();
      await api('POST', `/api/v1/runs/${runId}/cancel`);
    }
  });

  it('applies tweaks by component id and by display name', async () => {
    const res = await api('POST', '/api/v1/run/basic-prompting', {
      input_value: 'hi',
      tweaks: { 'Prompt-t2oaK': { template: 'Be a pirate.' }, 'Language Model': { model_name: 'other-model' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sent = JSON.parse(llm.requests.at(-1)!.body);
    expect(sent.messages[0].content).toBe('Be a pirate.');
    expect(sent.model).toBe('other-model');
    const bad = await api('POST', '/api/v1/run/basic-prompting', { tweaks: { Nope: { a: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('$.tweaks["Nope"]');
  });

  it('drives Basic Prompting with @datastax/langflow-client, plain and streaming', async () => {
    const response = await client.flow('basic-prompting').run('Tell me', { session_id: 'client-1' });
    expect(response.sessionId).toBe('client-1');
    expect(response.chatOutputText()).toBe('Hello from the fake');

    const events: { event: string; data: any }[] = [];
    for await (const e of await client.flow('basic-prompting').stream('Stream it')) events.push(e as never);
    const kinds = events.map((e) => e.event);
    // Tokens stream; the secret masker holds back a tail as long as the longest secret, so the four
    // chunks of the fake may arrive joined: the text is what must be whole.
    expect(kinds.filter((k) => k === 'token').length).toBeGreaterThanOrEqual(1);
    expect(
      events
        .filter((e) => e.event === 'token')
        .map((e) => e.data.chunk)
        .join(''),
    ).toBe('Hello from the fake');
    expect(kinds).toContain('add_message');
    expect(kinds).toContain('end_vertex');
    expect(kinds.at(-1)).toBe('end');
    expect(events.at(-1)!.data.result.outputs[0].outputs[0].results.message.text).toBe('Hello from the fake');
  });

  it('runs the Blog Writer agent: the model calls the URL tool, the page comes back as text', async () => {
    const raw = await api('POST', '/api/v1/run/blog-writer', { input_value: `${pages.url}/article` });
    expect(raw.status, JSON.stringify(raw.body)).toBe(200);
    // An ordinary run: its history replays, and it re-runs from the agent.
    const replay = await api('POST', `/api/v1/runs/${raw.body.run_id}/replay`);
    expect(replay.body).toEqual({ deterministic: true });
    const rerun = await api('POST', `/api/v1/runs/${raw.body.run_id}/rerun`, { fromNode: 'Agent-9tNMJ' });
    expect(rerun.status).toBe(202);
    let again = (await api('GET', `/api/v1/runs/${rerun.body.runId}`)).body;
    while (again.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      again = (await api('GET', `/api/v1/runs/${rerun.body.runId}`)).body;
    }
    expect(again.status).toBe('completed');
    expect(again.nodes['ChatInput-w522Z'].reused).toBe(true);
    const response = await client.flow('blog-writer').run(`${pages.url}/article`);
    expect(response.chatOutputText()).toBe(`Tool said: # ${pages.url}/article\nTemporal\nDurable execution rocks.`);
    const fetched = pages.requests.filter((r) => r.url === '/article');
    expect(fetched.length).toBe(3);
  });

  it('runs Simple Agent tools: calculator and the http-backed web search', async () => {
    const calc = await client.flow('simple-agent').run('please compute something');
    expect(calc.chatOutputText()).toBe('Tool said: 20');
    const search = await client.flow('simple-agent').run('search the web');
    expect(search.chatOutputText()).toContain('durable result');
    expect(pages.requests.some((r) => r.url === '/search?q=durable+flows')).toBe(true);
  });

  it('keeps chat memory per session_id: the Memory Chatbot recalls an earlier message', async () => {
    const session = `mem-${Date.now()}`;
    await client.flow('memory-chatbot').run('Hi, my name is Ada Lovelace', { session_id: session });
    const second = await client.flow('memory-chatbot').run('What is my name?', { session_id: session });
    expect(second.chatOutputText()).toContain('Ada Lovelace');
    // The history of the session reached the model, without the current message twice.
    const firstCall = llm.requests
      .map((r) => JSON.parse(r.body) as FakeChatRequest)
      .find((r) => r.messages.at(-1)?.content === 'What is my name?')!;
    const users = firstCall.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['Hi, my name is Ada Lovelace', 'What is my name?']);
    const other = await client.flow('memory-chatbot').run('What is my name?', { session_id: `${session}-other` });
    expect(other.chatOutputText()).not.toContain('Ada');
  });

  it('runs the Financial Report Parser: file content by tweak, structured output, parser table', async () => {
    const res = await api('POST', '/api/v1/run/financial-report-parser', {
      input_value: '',
      tweaks: { 'File-NGW2N': { content: 'Acme annual report: revenue $10M ...' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const text = res.body.outputs[0].outputs[0].results.message.text;
    expect(text).toContain('## 📊 Acme');
    expect(text).toContain('| Revenue | $10M |');
    expect(text).toContain('| Net Margin | 10% |');
  });

  it('runs a Langflow loop as a loop node: one body run per CSV row', async () => {
    expect((await importFile(own('row-lines.json'))).status).toBe(201);
    const res = await api('POST', '/api/v1/run/row-lines', {
      tweaks: { 'File-f1': { content: 'name,age\nAda,36\nAlan,41' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.outputs[0].outputs[0].results.message.text).toBe('Ada is 36\nAlan is 41');
  });

  it('serves native flows too: input_value is an input, outputs are the output nodes', async () => {
    const created = await api('POST', '/api/v1/flows', {
      name: 'native-greet',
      nodes: [
        { id: 'in', type: 'input', params: { name: 'input_value' } },
        { id: 'greet', type: 'template', params: { template: 'Hello, {{in}}!' } },
        { id: 'answer', type: 'output', params: { value: '{{greet}}' } },
      ],
      edges: [
        { source: 'in', target: 'greet' },
        { source: 'greet', target: 'answer' },
      ],
    });
    expect(created.status).toBe(201);
    const response = await client.flow('native-greet').run('Ada');
    expect(response.outputs[0].outputs[0].results.message.text).toBe('Hello, Ada!');
    const tweaked = await api('POST', '/api/v1/run/native-greet', {
      input_value: 'Ada',
      tweaks: { greet: { template: 'Bye, {{in}}.' } },
    });
    expect(tweaked.body.outputs[0].outputs[0].results.message.text).toBe('Bye, Ada.');
    const bad = await api('POST', '/api/v1/run/native-greet', { tweaks: { greet: 'not an object' } });
    expect(bad.status).toBe(400);
  });

  it('answers the webhook with 202 like Langflow, plus the run id', async () => {
    const res = await api('POST', '/api/v1/webhook/basic-prompting', { any: 'payload' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ message: 'Task started in the background', status: 'in progress' });
    let run = (await api('GET', `/api/v1/runs/${res.body.runId}`)).body;
    while (run.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      run = (await api('GET', `/api/v1/runs/${res.body.runId}`)).body;
    }
    expect(run.outputs['ChatOutput-yK0AU'].text).toBe('Hello from the fake');
  });
});
