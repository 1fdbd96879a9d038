import { expressionSandbox, SANDBOX_DEFAULTS } from '../expression-sandbox.js';

/** Limits that keep a hostile expression from hanging or crashing the worker (see expression-sandbox.ts). */
export const JSONATA_LIMITS = {
  timeout: SANDBOX_DEFAULTS.timeoutMs,
  hardTimeout: SANDBOX_DEFAULTS.hardTimeoutMs,
  memoryMb: SANDBOX_DEFAULTS.memoryMb,
  stack: SANDBOX_DEFAULTS.stack,
} as const;

/**
 * Evaluates an expression in the expression sandbox (child processes with their own heap limit,
 * killed on a hard timeout; regexes on a linear-time engine). Fails with ExpressionFailed.
 */
export async function evaluateJsonata(expression: string, data: unknown, signal?: AbortSignal): Promise<unknown> {
  return expressionSandbox().evaluate(expression, data, signal);
}
