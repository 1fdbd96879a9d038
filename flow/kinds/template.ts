import { z } from 'zod';
import { defineKind } from './define.js';

/** A rendered string; the workflow renders it inline, or in an activity when a value is stored outside history. */
export const template = defineKind({
  params: z.object({ template: z.string() }).strict(),
  runsIn: 'activity',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams'],
});
