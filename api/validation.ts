import type { z } from 'zod';
import { jsonPath } from '../flow/index.js';
import { HttpError } from './http-error.js';

/** Parses with zod or throws a 400 listing every problem with its JSON path. */
export function parseBody<T extends z.ZodTypeAny>(schema: T, value: unknown, what = 'request body'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
  throw new HttpError(
    400,
    'invalid_request',
    `invalid ${what}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
    details,
  );
}
