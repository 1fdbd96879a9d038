import { startHttpServer, type TestServer } from './http-server.js';

/**
 * A local OpenAI-compatible chat-completions server that streams `tokens` one SSE chunk at a time.
 * `failFirst` requests answer 429 first (to show retries).
 */
/** What the fake answers to one request: text tokens, or tool calls (streamed as OpenAI does). */
export interface FakeReply {
  /** Answer with this HTTP error status instead. */
  status?: number;
  tokens?: string[];
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
}

export interface FakeChatRequest {
  model: string;
  messages: { role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { function: { name: string } }[];
  response_format?: { type: string; json_schema?: { schema?: unknown } };
}

/**
 * A local OpenAI-compatible chat-completions server that streams `tokens` one SSE chunk at a time.
 * `failFirst` requests answer 429 first (to show retries). `respond` scripts each answer from the
 * request (tool calls included); it may return a promise to hold the answer.
 */
export async function startFakeOpenAI(o: {
  tokens: string[];
  failFirst?: number;
  delayMs?: number;
  respond?: (request: FakeChatRequest, n: number) => FakeReply | Promise<FakeReply>;
}): Promise<TestServer> {
  return startHttpServer((req, res, body, n) => {
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    if (n <= (o.failFirst ?? 0)) {
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' })
        .end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit' } }));
      return;
    }
    const request = JSON.parse(body) as FakeChatRequest;
    void Promise.resolve(o.respond ? o.respond(request, n) : { tokens: o.tokens }).then((reply) => {
      if (reply.status) {
        res
          .writeHead(reply.status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'the fake refuses', type: 'invalid_request_error' } }));
        return;
      }
      const tokens = reply.tokens ?? [];
      const calls = reply.toolCalls ?? [];
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: request.model };
      const chunk = (delta: unknown, finish: string | null = null) =>
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      calls.forEach((c, index) => {
        const id = `call_${n}_${index}`;
        const args = JSON.stringify(c.arguments);
        chunk({ tool_calls: [{ index, id, type: 'function', function: { name: c.name, arguments: '' } }] });
        chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, 5) } }] });
        chunk({ tool_calls: [{ index, function: { arguments: args.slice(5) } }] });
      });
      let i = 0;
      const next = () => {
        if (i < tokens.length) {
          chunk({ content: tokens[i++] });
          setTimeout(next, o.delayMs ?? 5);
          return;
        }
        chunk({}, calls.length ? 'tool_calls' : 'stop');
        res.write(
          `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: tokens.length, total_tokens: 7 + tokens.length } })}\n\n`,
        );
        res.end('data: [DONE]\n\n');
      };
      next();
    });
  });
}
