import { createServer } from 'node:http';

export const OK_BODY = JSON.stringify({ ok: true });
/** What `/nul` answers: a NUL byte inside a JSON string. */
export const NUL_BODY = JSON.stringify({ text: 'x\u0000y' });

export interface Remote {
  /** `127.0.0.1:<port>` */
  host: string;
  /** Requests per idempotency key (not for `/nul`). */
  seen: Map<string, number>;
  close(): Promise<void>;
}

/** The remote that http nodes call: counts requests per idempotency key, answers after 200 ms. */
export async function startRemote(): Promise<Remote> {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/nul')) return void res.end(NUL_BODY);
      const key = String(req.headers['idempotency-key'] ?? '');
      seen.set(key, (seen.get(key) ?? 0) + 1);
      setTimeout(() => res.end(OK_BODY), 200);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
