import type { RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { parseApiKeys } from '../infra/index.js';
import { HttpError } from './http-error.js';

export function keyOf(req: { header(name: string): string | undefined }): string | undefined {
  const auth = req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return req.header('x-api-key') ?? undefined;
}

/** The name of the key that authenticated this request (undefined when the API runs without keys). */
export const keyNameOf = (res: Response): string | undefined => res.locals.keyName as string | undefined;

/** With API_KEYS set, every /api/v1 route needs one of them (Bearer or x-api-key); its name goes to res.locals. */
export function requireApiKey(entries: readonly string[]): RequestHandler {
  const keys = parseApiKeys(entries).map((k) => ({ ...k, buffer: Buffer.from(k.key) }));
  return (req, res, next) => {
    if (keys.length === 0) return next();
    const given = keyOf(req);
    const buffer = given === undefined ? undefined : Buffer.from(given);
    const match = buffer && keys.find((k) => k.buffer.length === buffer.length && timingSafeEqual(k.buffer, buffer));
    if (match) res.locals.keyName = match.name;
    next(
      match
        ? undefined
        : new HttpError(
            401,
            'unauthorized',
            'missing or unknown API key: send Authorization: Bearer <key> or x-api-key',
          ),
    );
  };
}
