import { z } from 'zod';
import { defineKind } from './define.js';

/** A run output; the workflow resolves it inline, or in an activity when a value is stored outside history. */
export const output = defineKind({
  params: z.object({ name: z.string().min(1).optional(), value: z.unknown().optional() }).strict(),
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams'],
});
