import { createHash } from 'node:crypto';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { trace } from '@opentelemetry/api';
import {
  checkResolvedParams,
  OPERATOR_KEY_SECRET,
  parseNodeParams,
  type ActivityNodeType,
  type EventDraft,
  type NodeActivityInput,
  type NodeActivityResult,
  type NodeHeartbeat,
  type NodeParams,
} from '../flow/index.js';
import { isTransientDbError, recordNodeAttempt, type Logger } from '../infra/index.js';
import { storeIfLarge } from '../runs/index.js';
import { type EventAppender } from '../events/index.js';
import {
  EVENT_CONFIRM_MS,
  EVENT_SETTLE_MS,
  collectingPublisher,
  createEventPublisher,
  handOver,
} from './event-publisher.js';
import { toFailure } from './failure.js';
import { withModelDefaults } from './model-defaults.js';
import type { NetGuard } from './net-guard.js';
import type { NodeContext } from './node-context.js';
import type { ParamResolver } from './param-resolver.js';
import { createStreamMasker, maskSecrets } from './secrets.js';
import type { ActivityDeps } from './deps.js';

/** A node kind's own code: its params (resolved and checked) in, its output out. */
export type NodeFn<T extends ActivityNodeType> = (params: NodeParams<T>, ctx: NodeContext) => Promise<unknown>;

/** The activity the workflow calls for a node of an activity kind. */
export type NodeActivity = (input: NodeActivityInput) => Promise<NodeActivityResult>;

/** How often the middleware heartbeats (the SDK throttles what reaches the server). */
const HEARTBEAT_EVERY_MS = 1000;
const REPORTED_PARAMS_BYTES = 16 * 1024;

export interface NodeMiddlewareDeps extends ActivityDeps {
  env: NodeJS.ProcessEnv;
  writer: EventAppender;
  netGuard: NetGuard;
  resolveParams: ParamResolver;
}

/** Retries a Postgres read or write while Postgres is away, until the attempt is cancelled. */
async function untilStored<T>(fn: () => Promise<T>, signal: AbortSignal, log: Logger): Promise<T> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientDbError(err) || signal.aborted) throw err;
      log.warn({ err: (err as Error).message }, 'Postgres unavailable; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Resolved params as events carry them (secrets already masked): whole, or a preview when large. */
function reportableParams(params: unknown): unknown {
  const json = JSON.stringify(params) ?? 'null';
  return json.length <= REPORTED_PARAMS_BYTES
    ? params
    : { $truncated: true, preview: json.slice(0, REPORTED_PARAMS_BYTES) };
}

/**
 * The middleware every node activity runs in. It heartbeats from the start (whatever the node
 * type) so a lost worker is noticed within the heartbeat timeout; the heartbeat carries the node
 * attempt, which the workflow reads to retry a lost attempt without spending the node's retry
 * budget. Event writes and Postgres reads never fail the attempt: once the node's code succeeded,
 * its result is reported at once, with node.completed and any event Postgres has not taken yet
 * for the workflow to write (in order, before what follows the node).
 */
export function nodeMiddleware(deps: NodeMiddlewareDeps) {
  return function node<T extends ActivityNodeType>(type: T, run: NodeFn<T>): NodeActivity {
    return async (input) => {
      const ctx = Context.current();
      // A node run ahead of its turn makes its first attempt, whatever attempt the chain's head is on.
      const attempt = input.speculative ? 1 : (input.attemptBase ?? 0) + ctx.info.attempt;
      const remaining = input.maximumAttempts;
      const base = `${input.nodeId}:${input.itemIndex ?? ''}`;
      const log = deps.logger.child({ runId: input.runId, nodeId: input.nodeId, attempt, type });
      // A speculative node's events go back to the workflow unwritten: it writes them if it takes the result.
      const events = input.speculative
        ? collectingPublisher(input.quiet === true)
        : createEventPublisher(deps.writer, input.runId, input.quiet === true, log);
      const started = Date.now();
      // A node run ahead shares its chain head's span, which names the head.
      if (!input.speculative)
        trace.getActiveSpan()?.setAttributes({ 'tempoflow.run_id': input.runId, 'tempoflow.node_id': input.nodeId });
      let secrets = new Map<string, string>();
      let details: unknown;
      // A local activity (a pure node) runs inside its workflow's task: nothing to heartbeat.
      const beat = () =>
        ctx.info.isLocal ||
        ctx.heartbeat({ attempt, ...(details === undefined ? {} : { details }) } satisfies NodeHeartbeat);
      beat();
      const beating = setInterval(beat, HEARTBEAT_EVERY_MS);
      /** One event of this attempt; its key makes a retried write idempotent. */
      const draft = (type: EventDraft['type'], data?: Record<string, unknown>, suffix = ''): EventDraft => ({
        type,
        key: `${type}:${base}:${attempt}${suffix}`,
        nodeId: input.nodeId,
        attempt,
        ts: new Date().toISOString(),
        data,
      });
      const emit = (type: EventDraft['type'], data?: Record<string, unknown>, suffix = '') =>
        events.push(draft(type, data, suffix));
      // The run's events the workflow handed this activity come first (see Outbox.takeForActivity).
      for (const e of input.events ?? []) events.push(e);
      emit('node.started');
      let params: unknown;
      try {
        const resolved = await untilStored(() => deps.resolveParams(input, true), ctx.cancellationSignal, log);
        secrets = resolved.secrets;
        if (type === 'llm') {
          const filled = await withModelDefaults(deps.sql, deps.env, resolved.params);
          resolved.params = filled.params;
          if (filled.addedSecret) secrets.set(OPERATOR_KEY_SECRET, filled.addedSecret);
        }
        params = reportableParams(maskSecrets(resolved.params, secrets.values()));
        const invalid = checkResolvedParams(type, resolved.params);
        if (invalid) throw ApplicationFailure.nonRetryable(maskSecrets(invalid, secrets.values()), 'InvalidParams');
        let tokenIndex = 0;
        const nodeCtx: NodeContext = {
          runId: input.runId,
          nodeId: input.nodeId,
          attempt,
          idempotencyKey: createHash('sha256')
            .update(`${input.runId}|${input.nodeId}|${input.itemIndex ?? ''}`)
            .digest('hex')
            .slice(0, 32),
          scope: resolved.scope,
          signal: ctx.cancellationSignal,
          heartbeat: (d) => {
            details = d;
            beat();
          },
          sleep: (ms) => ctx.sleep(ms),
          progress: (eventType, data) => emit(eventType, maskSecrets(data, secrets.values()), `:${tokenIndex++}`),
          netGuard: deps.netGuard,
          secrets: [...secrets.values()],
          mask: (value) => maskSecrets(value, secrets.values()),
          maskStream: () => createStreamMasker(secrets.values()),
          logger: log,
        };
        // checkResolvedParams passed on these very params: parsing them again cannot throw.
        const raw = await run(parseNodeParams(type, resolved.params), nodeCtx);
        // From here the node's code has succeeded: nothing below may fail the attempt and repeat it.
        const masked = maskSecrets(raw, secrets.values());
        const value = await untilStored(
          () => storeIfLarge(deps.sql, input.runId, masked, deps.blobThresholdBytes),
          ctx.cancellationSignal,
          log,
        );
        // Report soon: a worker lost between the node's success and this report would run it again.
        // So node.completed (and whatever Postgres has not taken within EVENT_CONFIRM_MS) rides in
        // the result, and the workflow writes it, before anything that follows the node.
        // A local activity (a pure node) holds its workflow task open: it does not wait for Postgres.
        const unwritten = await events.settle(ctx.info.isLocal ? 0 : EVENT_CONFIRM_MS);
        const completed: EventDraft[] = input.quiet
          ? []
          : [draft('node.completed', { durationMs: Date.now() - started, params })];
        const handed = [...handOver(unwritten), ...completed];
        recordNodeAttempt(type, 'completed', started);
        return { output: value, attempt, ...(handed.length > 0 ? { events: handed } : {}) };
      } catch (err) {
        // A node run ahead of its turn that fails is simply run again in its turn: nothing to report.
        if (input.speculative) throw err;
        if (err instanceof CancelledFailure || ctx.cancellationSignal.aborted) {
          recordNodeAttempt(type, 'cancelled', started);
          await events.settle(EVENT_SETTLE_MS);
          throw err;
        }
        const failure = toFailure(err, attempt, secrets.values());
        const willRetry = !failure.nonRetryable && (remaining === 0 || ctx.info.attempt < remaining);
        if (willRetry) {
          emit('node.retrying', { error: { message: failure.message, type: failure.type }, params });
        } else if (params !== undefined) {
          // The workflow reports the failure; the params this last attempt ran with are known only here.
          emit('node.progress', { params }, ':params');
        }
        log.info({ error: failure.message, willRetry }, 'node attempt failed');
        recordNodeAttempt(type, willRetry ? 'retrying' : 'failed', started);
        const unwritten = await events.settle(EVENT_SETTLE_MS);
        if (unwritten.length > 0)
          log.warn({ dropped: unwritten.length }, 'event log unavailable; events of a failed attempt dropped');
        throw failure;
      } finally {
        clearInterval(beating);
      }
    };
  };
}
