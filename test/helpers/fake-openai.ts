import { startHttpServer, type TestServer } from './http-server.js';

/**
 * A local OpenAI-compatible chat-completions server that streams `tokens` one SSE chunk at a time.
 * `failFirst` requests answer 429 first (to show retries).
 */
export async function startFakeOpenAI(o: {
  tokens: string[];
  failFirst?: number;
  delayMs?: number;
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
    const request = JSON.parse(body) as { model: string; stream?: boolean };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: request.model };
    let i = 0;
    const next = () => {
      if (i < o.tokens.length) {
        res.write(
          `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: o.tokens[i++] }, finish_reason: null }] })}\n\n`,
        );
        setTimeout(next, o.delayMs ?? 5);
        return;
      }
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: o.tokens.length, total_tokens: 7 + o.tokens.length } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    };
    next();
  });
}
