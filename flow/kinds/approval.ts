import { z } from 'zod';
import { durationSchema } from '../schema.js';
import { defineKind } from './define.js';

/** Waits for a decision through the API (a workflow update), up to `timeout`. */
export const approval = defineKind({
  params: z.object({ timeout: durationSchema.optional(), message: z.string().optional() }).strict(),
  runsIn: 'workflow',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams', 'ApprovalTimedOut'],
});
