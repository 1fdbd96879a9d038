import { createHash } from 'node:crypto';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { trace } from '@opentelemetry/api';
import { parse as parseCsv } from 'csv-parse/sync';
import {
  NODE_TYPE_PARAMS,
  findPlaceholders,
  getPath,
  jsonPath,
  resolvePlaceholders,
  type BlobRef,
  type EventDraft,
  type ItemsSource,
  type NodeActivityInput,
  type NodeActivityResult,
  type NodeType,
  type RunState,
} from '../flow/index.js';
import {
  derefDeep,
  loadBlob,
  recordNodeAttempt,
  storeIfLarge,
  EventWriter,
  type Logger,
  type Sql,
} from '../lib/index.js';
import { createNetGuard } from './net-guard.js';
import type { NodeContext } from './node-context.js';
import { condition } from './nodes/condition.js';
import { echo } from './nodes/echo.js';
import { http } from './nodes/http.js';
import { llm } from './nodes/llm.js';
import { output } from './nodes/output.js';
import { template } from './nodes/template.js';
import { transform } from './nodes/transform.js';
import { loadSecrets, maskSecrets } from './secrets.js';

export { checkJsonata } from './nodes/jsonata.js';
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

/** Builds the activities with their dependencies injected (the workflow imports only their type). */
export function createActivities(deps: ActivityDeps) {
  const env = deps.env ?? process.env;
  const writer = new EventWriter(deps.sql);

  async function resolve(input: NodeActivityInput, allowSecrets: boolean) {
    const scope = (await derefDeep(deps.sql, input.scope)) as Record<string, unknown>;
    const secretNames = findPlaceholders(input.params)
      .filter((r) => r.root === 'secrets')
      .map((r) => String(r.path[0]));
    if (secretNames.length > 0 && !allowSecrets)
      throw ApplicationFailure.nonRetryable('secrets are not allowed here', 'InvalidParams');
    const secrets = secretNames.length ? await loadSecrets(deps.sql, secretNames, env) : new Map<string, string>();
    const params = resolvePlaceholders(input.params, (ref) => {
      if (ref.root === 'secrets') return { found: true, value: secrets.get(String(ref.path[0])) };
      return { found: true, value: getPath(scope[ref.root], ref.path) };
    }) as Record<string, unknown>;
    return { params, scope, secrets };
  }

  /**
   * Writes one activity's events in order. Lifecycle events are written at once; tokens and
   * progress are batched for TOKEN_FLUSH_MS. A failed lifecycle write fails the attempt (the
   * retry rewrites it: keys make it idempotent), so the log never silently misses a transition.
   */
  function publisher(runId: string, quiet: boolean) {
    let pending: EventDraft[] = [];
    let timer: NodeJS.Timeout | undefined;
    let chain: Promise<void> = Promise.resolve();
    let failure: unknown;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const batch = pending;
      pending = [];
      if (batch.length) {
        chain = chain.then(
          () =>
            writer.append(runId, batch).then(
              () => undefined,
              (err: unknown) => {
                failure ??= err;
                deps.logger.warn({ runId, err: (err as Error).message }, 'event write failed');
              },
            ),
          () => undefined,
        );
      }
      return chain;
    };
    return {
      push(draft: EventDraft) {
        if (quiet) return;
        pending.push(draft);
        if (draft.type === 'node.token' || draft.type === 'node.progress') timer ??= setTimeout(flush, TOKEN_FLUSH_MS);
        else void flush();
      },
      async drain() {
        await flush();
        if (failure) throw failure;
      },
    };
  }

  function node<T extends NodeType>(type: T, run: NodeFn) {
    return async (input: NodeActivityInput): Promise<NodeActivityResult> => {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const base = `${input.nodeId}:${input.itemIndex ?? ''}`;
      const log = deps.logger.child({ runId: input.runId, nodeId: input.nodeId, attempt, type });
      const events = publisher(input.runId, input.quiet === true);
      const started = Date.now();
      trace.getActiveSpan()?.setAttributes({ 'tempoflow.run_id': input.runId, 'tempoflow.node_id': input.nodeId });
      let secrets = new Map<string, string>();
      /** One event of this attempt; its key makes a retried write idempotent. */
      const emit = (type: EventDraft['type'], data?: Record<string, unknown>, suffix = '') =>
        events.push({
          type,
          key: `${type}:${base}:${attempt}${suffix}`,
          nodeId: input.nodeId,
          attempt,
          ts: new Date().toISOString(),
          data,
        });
      emit('node.started');
      try {
        const resolved = await resolve(input, true);
        secrets = resolved.secrets;
        const checked = NODE_TYPE_PARAMS[type].safeParse(resolved.params);
        if (!checked.success) {
          const problems = checked.error.issues
            .map((i) => `${jsonPath(['params', ...i.path])}: ${i.message}`)
            .join('; ');
          throw ApplicationFailure.nonRetryable(
            maskSecrets(`invalid params after resolving placeholders: ${problems}`, secrets.values()),
            'InvalidParams',
          );
        }
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
          heartbeat: (d) => ctx.heartbeat(d),
          sleep: (ms) => ctx.sleep(ms),
          progress: (eventType, data) => emit(eventType, maskSecrets(data, secrets.values()), `:${tokenIndex++}`),
          netGuard: createNetGuard(deps.httpAllowHosts),
          logger: log,
        };
        const raw = await run(checked.data as never, nodeCtx);
        const value = await storeIfLarge(
          deps.sql,
          input.runId,
          maskSecrets(raw, secrets.values()),
          deps.blobThresholdBytes,
        );
        emit('node.completed', { durationMs: Date.now() - started });
        await events.drain();
        recordNodeAttempt(type, 'completed', started);
        return { output: value, attempt };
      } catch (err) {
        if (err instanceof CancelledFailure || ctx.cancellationSignal.aborted) {
          recordNodeAttempt(type, 'cancelled', started);
          await events.drain().catch(() => undefined);
          throw err;
        }
        const failure = toFailure(err, attempt, secrets.values());
        const willRetry = !failure.nonRetryable && (input.maximumAttempts === 0 || attempt < input.maximumAttempts);
        if (willRetry) {
          emit('node.retrying', { error: { message: failure.message, type: failure.type } });
        }
        log.info({ error: failure.message, willRetry }, 'node attempt failed');
        recordNodeAttempt(type, willRetry ? 'retrying' : 'failed', started);
        await events.drain().catch(() => undefined);
        throw failure;
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
      await writer.append(input.runId, input.events, input.final);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

function toFailure(err: unknown, attempt: number, secrets: Iterable<string>): ApplicationFailure {
  const list = [...secrets];
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: maskSecrets(err.message, list),
      type: err.type ?? 'Error',
      nonRetryable: err.nonRetryable ?? false,
      details: [maskSecrets({ attempt, ...((err.details?.[0] as object) ?? {}) }, list)],
      nextRetryDelay: err.nextRetryDelay,
    });
  }
  const e = err as Error;
  return ApplicationFailure.create({
    message: maskSecrets(e?.message ?? String(err), list),
    type: e?.name ?? 'Error',
    nonRetryable: false,
    details: [{ attempt }],
  });
}
