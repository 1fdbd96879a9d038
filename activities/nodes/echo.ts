import { ApplicationFailure } from '@temporalio/activity';
import type { NodeParams } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';

/** Returns `value` after `durationMs`, heartbeating so a cancelled run stops it within a heartbeat. */
export async function echo(params: NodeParams<'echo'>, ctx: NodeContext): Promise<unknown> {
  const duration = Number(params.durationMs ?? 0);
  const end = Date.now() + duration;
  while (Date.now() < end) {
    ctx.heartbeat();
    await ctx.sleep(Math.min(250, end - Date.now()));
  }
  if (params.fail) throw ApplicationFailure.nonRetryable(params.fail, 'EchoFailure');
  if (ctx.attempt <= Number(params.failAttempts ?? 0)) throw new Error(`echo: attempt ${ctx.attempt} fails on purpose`);
  if (params.sizeBytes !== undefined) return 'x'.repeat(Number(params.sizeBytes));
  return params.value ?? null;
}
