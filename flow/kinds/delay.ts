import { z } from 'zod';
import { durationSchema } from '../schema.js';
import { defineKind } from './define.js';
import { orRef } from './params.js';

/** A durable timer. */
export const delay = defineKind({
  params: z.object({ duration: orRef(durationSchema) }).strict(),
  runsIn: 'workflow',
  heartbeats: false,
  secretFields: [],
  errorTypes: ['InvalidParams'],
});
