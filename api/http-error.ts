import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../infra/index.js';

export interface ProblemDetail {
  path: string;
  message: string;
}

/** The one error type the API throws; the middleware turns it into `{error: {code, message, details?}}`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ProblemDetail[] | Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    void _next;
    if (res.headersSent) {
      res.end();
      return;
    }
    let status = 500;
    let body: { code: string; message: string; details?: unknown };
    if (err instanceof HttpError) {
      status = err.status;
      body = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      body = { code: 'invalid_json', message: `request body is not valid JSON: ${String(err.message).slice(0, 200)}` };
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      body = { code: 'payload_too_large', message: `request body exceeds the limit of ${err.limit} bytes` };
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      body = { code: 'bad_request', message: String(err.message ?? 'bad request') };
    } else if (dependencyDown(err)) {
      status = 503;
      body = {
        code: 'unavailable',
        message: `${dependencyDown(err)} is unavailable; retry shortly (GET /readyz tells when it is back)`,
      };
    } else {
      body = { code: 'internal', message: 'internal error; the server log has the details' };
    }
    if (status >= 500) logger.error({ err, path: req.path }, 'request failed');
    res.status(status).json({ error: body });
  };
}

/** Which dependency an error says is down: a gRPC UNAVAILABLE from Temporal, or a lost Postgres connection. */
function dependencyDown(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: string };
  if (e?.code === 14 || e?.cause?.code === 14) return 'Temporal';
  if (typeof e?.code === 'string' && /^(ECONNREFUSED|ECONNRESET|CONNECTION_|57P0)/.test(e.code)) return 'Postgres';
  return undefined;
}
