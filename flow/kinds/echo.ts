import { z } from 'zod';
import { defineKind } from './define.js';
import { orRef } from './params.js';

/** `value` after `durationMs`: work that takes time, for tests, demos and benchmarks. */
export const echo = defineKind({
  params: z
    .object({
      value: z.unknown().optional(),
      durationMs: orRef(z.number().int().min(0).max(86_400_000)).optional(),
      /** The first N attempts fail with a retryable error (tests and demos of retries). */
      failAttempts: orRef(z.number().int().min(0)).optional(),
      /** Fail every attempt with this message, non-retryably. */
      fail: z.string().optional(),
      /** Produce a string of this many bytes instead of value (large-output demos). */
      sizeBytes: orRef(
        z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024),
      ).optional(),
    })
    .strict(),
  runsIn: 'activity',
  heartbeats: true,
  secretFields: [],
  errorTypes: ['InvalidParams', 'EchoFailure', 'Error'],
});
