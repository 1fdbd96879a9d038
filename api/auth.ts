import type { RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-error.js';

export function keyOf(req: { header(name: string): string | undefined }): string | undefined {
  const auth = req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return req.header('x-api-key') ?? undefined;
}

/** With API_KEYS set, every /api/v1 route needs one of them (Bearer or x-api-key). */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  const buffers = keys.map((k) => Buffer.from(k));
  return (req, _res, next) => {
    if (buffers.length === 0) return next();
    const given = keyOf(req);
    const ok =
      given !== undefined &&
      buffers.some((b) => b.length === Buffer.byteLength(given) && timingSafeEqual(b, Buffer.from(given)));
    next(
      ok
        ? undefined
        : new HttpError(
            401,
            'unauthorized',
            'missing or unknown API key: send Authorization: Bearer <key> or x-api-key',
          ),
    );
  };
}
