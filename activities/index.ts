import { createHash } from 'node:crypto';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { trace } from '@opentelemetry/api';
import { parse as parseCsv } from 'csv-parse/sync';
import {
  NODE_TYPE_PARAMS,
  SECRET_FIELDS_TEXT,
  checkResolvedParams,
  findPlaceholders,
  getPath,
  resolvePlaceholders,
  secretAllowed,
  type BlobRef,
  type EventDraft,
  type ItemsSource,
  type NodeActivityInput,
  type NodeActivityResult,
  type NodeHeartbeat,
  type NodeType,
  type RunState,
} from '../flow/index.js';
import { derefDeep, loadBlob, storeIfLarge } from '../runs/index.js';
import { isTransientDbError, recordNodeAttempt, type Logger, type Sql } from '../infra/index.js';
import { EventWriter } from '../events/index.js';
import { createNetGuard } from './net-guard.js';
import { expressionSandbox } from './expression-sandbox.js';
import type { NodeContext } from './node-context.js';
import { condition } from './nodes/condition.js';
import { echo } from './nodes/echo.js';
import { http } from './nodes/http.js';
import { llm } from './nodes/llm.js';
import { output } from './nodes/output.js';
import { message } from './nodes/message.js';
import { createAgentActivities } from './nodes/agent.js';
import { template } from './nodes/template.js';
import { transform } from './nodes/transform.js';
import { createStreamMasker, loadSecrets, maskSecrets, safeMessage } from './secrets.js';
import { DEFAULT_KEY_SECRET, withModelDefaults } from './model-defaults.js';

export { checkJsonata } from '../flow/expression-check.js';
export { echo } from './nodes/echo.js';
export type { NodeContext } from './node-context.js';

export interface ActivityDeps {
  sql: Sql;
  logger: Logger;
  httpAllowHosts: readonly string[];
  blobThresholdBytes: number;
  env?: NodeJS.ProcessEnv;
}

type NodeFn = (params: never, ctx: NodeContext) => Promise<unknown>;

const TOKEN_FLUSH_MS = 50;
/** How often the middleware heartbeats (the SDK throttles what reaches the server). */
const HEARTBEAT_EVERY_MS = 1000;
/** How long a finished attempt waits for its events before handing the rest to the workflow. */
const EVENT_SETTLE_MS = 3000;
/** At most this many unwritten events ride in an activity result; tokens and progress go first. */
const MAX_HANDED_OVER = 200;

/** Unwritten events for the workflow to write: lifecycle ones always, tokens and progress while they fit. */
function handOver(events: EventDraft[]): EventDraft[] {
  if (events.length <= MAX_HANDED_OVER) return events;
  const lifecycle = events.filter((e) => e.type !== 'node.token' && e.type !== 'node.progress');
  const room = Math.max(0, MAX_HANDED_OVER - lifecycle.length);
  const kept = new Set([...lifecycle, ...events.filter((e) => !lifecycle.includes(e)).slice(-room)]);
  return events.filter((e) => kept.has(e));
}

/** Builds the activities with their dependencies injected (the workflow imports only their type). */
export function createActivities(deps: ActivityDeps) {
  const env = deps.env ?? process.env;
  const writer = new EventWriter(deps.sql);
  const netGuard = createNetGuard(deps.httpAllowHosts);
  expressionSandbox().warm();

  async function resolve(input: NodeActivityInput, allowSecrets: boolean) {
    const scope = (await derefDeep(deps.sql, input.scope)) as Record<string, unknown>;
    const secretRefs = findPlaceholders(input.params).filter((r) => r.root === 'secrets');
    const misplaced = secretRefs.find((r) => !allowSecrets || !secretAllowed(input.type, r.at[0]));
    if (misplaced)
      throw ApplicationFailure.nonRetryable(
        `"{{${misplaced.expression}}}" cannot be used in a ${input.type} node's "${String(misplaced.at[0])}": secrets may appear only in the connection fields of ${SECRET_FIELDS_TEXT}`,
        'InvalidParams',
      );
    const secretNames = secretRefs.map((r) => String(r.path[0]));
    const secrets = secretNames.length ? await loadSecrets(deps.sql, secretNames, env) : new Map<string, string>();
    const params = resolvePlaceholders(input.params, (ref) => {
      if (ref.root === 'secrets') return { found: true, value: secrets.get(String(ref.path[0])) };
      return { found: true, value: getPath(scope[ref.root], ref.path) };
    }) as Record<string, unknown>;
    return { params, scope, secrets };
  }

  /**
   * Writes one activity's events in order, never failing the attempt. Lifecycle events are written
   * at once; tokens and progress are batched for TOKEN_FLUSH_MS. While Postgres is away the events
   * wait in memory and the writes are retried with backoff (keys make a rewrite idempotent).
   * `settle` waits a bounded time for the backlog, then hands back what is still unwritten.
   */
  function publisher(runId: string, quiet: boolean, log: Logger) {
    const pending: EventDraft[] = [];
    let timer: NodeJS.Timeout | undefined;
    let loop: Promise<void> | undefined;
    let stopped = false;
    let wake: (() => void) | undefined;
    const write = async () => {
      let delay = 100;
      while (pending.length > 0 && !stopped) {
        const batch = pending.slice(0, 500);
        try {
          await writer.append(runId, batch);
          pending.splice(0, batch.length);
          delay = 100;
        } catch (err) {
          if (!isTransientDbError(err)) {
            // Not Postgres being away: this batch can never be stored; drop it rather than wedge the rest.
            pending.splice(0, batch.length);
            log.error({ err: (err as Error).message, dropped: batch.length }, 'events refused by the event log');
            continue;
          }
          log.warn({ err: (err as Error).message, waiting: pending.length }, 'event log unavailable; retrying');
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, delay);
          });
          delay = Math.min(delay * 2, 2000);
        }
      }
    };
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      loop ??= write().finally(() => {
        loop = undefined;
        if (pending.length > 0 && !stopped) flush();
      });
    };
    return {
      push(draft: EventDraft) {
        if (quiet) return;
        pending.push(draft);
        if (draft.type === 'node.token' || draft.type === 'node.progress') timer ??= setTimeout(flush, TOKEN_FLUSH_MS);
        else flush();
      },
      /** Waits up to `ms` for every event to be written; returns (and stops retrying) the ones not confirmed yet. */
      async settle(ms: number): Promise<EventDraft[]> {
        flush();
        const deadline = Date.now() + ms;
        while (loop && Date.now() < deadline) {
          await Promise.race([loop, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
        }
        stopped = true;
        wake?.();
        return pending.splice(0);
      },
    };
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

  /**
   * The middleware every node activity runs in. It heartbeats from the start (whatever the node
   * type) so a lost worker is noticed within the heartbeat timeout; the heartbeat carries the node
   * attempt, which the workflow reads to retry a lost attempt without spending the node's retry
   * budget. Event writes and Postgres reads never fail the attempt: once the node's code succeeded,
   * its result is reported at once, with node.completed and any event Postgres has not taken yet
   * for the workflow to write (in order, before what follows the node).
   */
  function node<T extends NodeType>(type: T, run: NodeFn) {
    return async (input: NodeActivityInput): Promise<NodeActivityResult> => {
      const ctx = Context.current();
      const attempt = (input.attemptBase ?? 0) + ctx.info.attempt;
      const remaining = input.maximumAttempts === 0 ? 0 : input.maximumAttempts;
      const base = `${input.nodeId}:${input.itemIndex ?? ''}`;
      const log = deps.logger.child({ runId: input.runId, nodeId: input.nodeId, attempt, type });
      const events = publisher(input.runId, input.quiet === true, log);
      const started = Date.now();
      trace.getActiveSpan()?.setAttributes({ 'tempoflow.run_id': input.runId, 'tempoflow.node_id': input.nodeId });
      let secrets = new Map<string, string>();
      let details: unknown;
      const beat = () =>
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
      emit('node.started');
      let params: unknown;
      try {
        const resolved = await untilStored(() => resolve(input, true), ctx.cancellationSignal, log);
        secrets = resolved.secrets;
        if (type === 'llm') {
          const filled = await withModelDefaults(deps.sql, env, resolved.params);
          resolved.params = filled.params;
          if (filled.addedSecret) secrets.set(DEFAULT_KEY_SECRET, filled.addedSecret);
        }
        params = reportableParams(maskSecrets(resolved.params, secrets.values()));
        const invalid = checkResolvedParams(type, resolved.params);
        if (invalid) throw ApplicationFailure.nonRetryable(maskSecrets(invalid, secrets.values()), 'InvalidParams');
        const checked = NODE_TYPE_PARAMS[type].safeParse(resolved.params);
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
          netGuard,
          secrets: [...secrets.values()],
          mask: (value) => maskSecrets(value, secrets.values()),
          maskStream: () => createStreamMasker(secrets.values()),
          logger: log,
        };
        const raw = await run(checked.data as never, nodeCtx);
        // From here the node's code has succeeded: nothing below may fail the attempt and repeat it.
        const masked = maskSecrets(raw, secrets.values());
        const value = await untilStored(
          () => storeIfLarge(deps.sql, input.runId, masked, deps.blobThresholdBytes),
          ctx.cancellationSignal,
          log,
        );
        // Report at once: a worker lost between the node's success and this report would run it again.
        // So node.completed (and whatever Postgres has not taken yet) rides in the result, and the
        // workflow writes it, before anything that follows the node.
        const unwritten = await events.settle(0);
        const completed: EventDraft[] = input.quiet
          ? []
          : [draft('node.completed', { durationMs: Date.now() - started, params })];
        const handed = [...handOver(unwritten), ...completed];
        recordNodeAttempt(type, 'completed', started);
        return { output: value, attempt, ...(handed.length > 0 ? { events: handed } : {}) };
      } catch (err) {
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
  }

  return {
    echo: node('echo', echo as NodeFn),
    http: node('http', http as NodeFn),
    llm: node('llm', llm as NodeFn),
    template: node('template', template as NodeFn),
    transform: node('transform', transform as NodeFn),
    condition: node('condition', condition as NodeFn),
    output: node('output', output as NodeFn),
    message: node('message', message(deps.sql) as NodeFn),
    unsupported: node('unsupported', unsupported as NodeFn),
    ...createAgentActivities({
      sql: deps.sql,
      logger: deps.logger,
      httpAllowHosts: deps.httpAllowHosts,
      env,
      // The agent's progress and tokens: written in order, waited for briefly, never failing a call.
      publisher: (runId: string, quiet: boolean) => {
        const events = publisher(runId, quiet, deps.logger);
        return {
          push: (draft: EventDraft) => events.push(draft),
          drain: async () => {
            await events.settle(EVENT_SETTLE_MS);
          },
        };
      },
    }),

    /** Params of a workflow-run node whose placeholders name stored blobs (no secrets allowed). */
    async resolveParams(input: NodeActivityInput): Promise<Record<string, unknown>> {
      return (await resolve(input, false)).params;
    },

    /** A loop's items: an array as it is, CSV text as one object per row; large lists are stored as a blob. */
    async loopItems(input: NodeActivityInput): Promise<{ source: ItemsSource; count: number }> {
      const { params } = await resolve(input, false);
      let items = params.items;
      if (typeof items === 'string') {
        try {
          items = parseCsv(items, { columns: true, skip_empty_lines: true, trim: true, bom: true });
        } catch (err) {
          throw ApplicationFailure.nonRetryable(`items: not valid CSV (${(err as Error).message})`, 'InvalidParams');
        }
      }
      if (!Array.isArray(items))
        throw ApplicationFailure.nonRetryable(
          `items: expected an array or CSV text, got ${typeof items}`,
          'InvalidParams',
        );
      const stored = await storeIfLarge(deps.sql, input.runId, items, deps.blobThresholdBytes);
      return { source: Array.isArray(stored) ? { items: stored } : { ref: stored as BlobRef }, count: items.length };
    },

    async loadItems(input: { ref: BlobRef; offset: number; count: number }): Promise<unknown[]> {
      const all = (await loadBlob(deps.sql, input.ref)) as unknown[];
      return all.slice(input.offset, input.offset + input.count);
    },

    /** Writes a batch of workflow events (and the final state) to the event log; idempotent by key. */
    async publishEvents(input: { runId: string; events: EventDraft[]; final?: RunState }): Promise<void> {
      try {
        await writer.append(input.runId, input.events, input.final);
      } catch (err) {
        if (isTransientDbError(err)) throw err;
        // Retrying cannot help: the workflow records the loss and still ends the run.
        throw ApplicationFailure.nonRetryable(
          `the event log refused these events: ${(err as Error).message}`,
          'EventLogRefused',
        );
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** A component the importer could not map: fails at once, naming it. */
async function unsupported(params: { component: string; reason: string; langflowId?: string }): Promise<never> {
  throw ApplicationFailure.nonRetryable(
    `unsupported component ${params.langflowId ?? ''} (${params.component}): ${params.reason}`,
    'UnsupportedComponent',
  );
}

function toFailure(err: unknown, attempt: number, secrets: Iterable<string>): ApplicationFailure {
  const list = [...secrets];
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: safeMessage(err.message, list),
      type: err.type ?? 'Error',
      nonRetryable: err.nonRetryable ?? false,
      details: [maskSecrets({ attempt, ...((err.details?.[0] as object) ?? {}) }, list)],
      nextRetryDelay: err.nextRetryDelay,
    });
  }
  const e = err as Error;
  return ApplicationFailure.create({
    message: safeMessage(e?.message ?? String(err), list),
    type: e?.name ?? 'Error',
    nonRetryable: false,
    details: [{ attempt }],
  });
}

const REPORTED_PARAMS_BYTES = 16 * 1024;

/** Resolved params as events carry them (secrets already masked): whole, or a preview when large. */
function reportableParams(params: unknown): unknown {
  const json = JSON.stringify(params) ?? 'null';
  return json.length <= REPORTED_PARAMS_BYTES
    ? params
    : { $truncated: true, preview: json.slice(0, REPORTED_PARAMS_BYTES) };
}
