import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { concludeActivation } from './outbox.js';

/**
 * Workflow interceptors, bundled with the workflows (bundle/bundle.ts). At the end of every
 * activation the outboxes hand the worker the events they have not confirmed stored (Outbox.sendEarly).
 * Nothing here makes a command or a promise: replay is unaffected.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        concludeActivation();
        return next(input);
      },
    },
  ],
});
