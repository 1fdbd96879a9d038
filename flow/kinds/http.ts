import { z } from 'zod';
import { defineKind } from './define.js';
import { OUTBOUND_ERRORS, SECRET_ERRORS } from './errors.js';
import { maxBytesParam, orRef } from './params.js';

/** One HTTP request through the address guard: 5xx, 429 and network errors retry, 4xx do not. */
export const http = defineKind({
  params: z
    .object({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      body: z.unknown().optional(),
      timeoutMs: orRef(z.number().int().positive().max(600_000)).optional(),
      maxBytes: maxBytesParam,
      responseType: z.enum(['auto', 'json', 'text']).optional(),
      followRedirects: z.boolean().optional(),
    })
    .strict(),
  runsIn: 'activity',
  heartbeats: true,
  secretFields: ['url', 'query', 'headers', 'body'],
  errorTypes: [
    'InvalidParams',
    ...SECRET_ERRORS,
    ...OUTBOUND_ERRORS,
    'HttpClientError',
    'HttpServerError',
    'HttpTooManyRequests',
    'InvalidJsonResponse',
  ],
});
