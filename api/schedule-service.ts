import { randomBytes } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import {
  WORKFLOW_TYPE,
  flowSearchAttributes,
  parseDuration,
  runIdOf,
  workflowIdOf,
  type RunFlowInput,
} from '../flow/index.js';
import type { Sql } from '../infra/index.js';
import { refuseUnsupported } from './run-describe.js';
import { getFlow, pin, resolveLibrary } from './flow-store.js';
import { HttpError, notFound } from './http-error.js';
import type { ScheduleRequest } from './schemas.js';

export interface ScheduleServiceDeps {
  sql: Sql;
  client: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
}

export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type Overlap = keyof typeof OVERLAP_POLICIES;

/** What Tempoflow keeps in the schedule's memo: the request as the user wrote it. */
interface ScheduleMemo {
  flowId: string;
  flowName: string;
  cron?: string;
  interval?: string;
  timezone?: string;
}

export interface ScheduleView {
  scheduleId: string;
  flow: string;
  flowId: string;
  flowVersion: number;
  cron?: string;
  interval?: string;
  timezone?: string;
  inputs: Record<string, unknown>;
  overlap: Overlap;
  paused: boolean;
  note?: string;
  nextRunAt: string[];
  recentRuns: { runId: string; scheduledAt: string; startedAt: string }[];
  runsStarted: number;
  createdAt: string;
  links: { self: string; temporalUi: string };
}

/**
 * Flow schedules on Temporal Schedules. A schedule starts `runFlow` with the flow version pinned
 * when it was created, workflow id `run-<scheduleId>` (Temporal appends the scheduled time, and
 * the run id is that workflow id without `run-`), origin `schedule`, and the usual search attributes.
 */
export function createScheduleService(deps: ScheduleServiceDeps) {
  const { sql, client } = deps;

  async function create(flowRef: string, request: ScheduleRequest): Promise<ScheduleView> {
    const flow = await getFlow(sql, flowRef, request.version);
    if (!flow) throw notFound(request.version ? `flow "${flowRef}" version ${request.version}` : `flow "${flowRef}"`);
    // As for a run: a flow with unsupported components would fail every scheduled run.
    refuseUnsupported(flow.definition);
    const scheduleId = request.id ?? `${flow.name}-${randomBytes(4).toString('hex')}`;
    const input: RunFlowInput = {
      // Empty: each run takes its id from the workflow id the schedule gives it (workflows/run-flow.ts).
      runId: '',
      flow: pin(flow),
      inputs: request.inputs ?? {},
      library: await resolveLibrary(sql, flow.definition),
      priority: request.priority,
      origin: 'schedule',
    };
    const memo: ScheduleMemo = {
      flowId: flow.id,
      flowName: flow.name,
      ...(request.cron ? { cron: request.cron } : {}),
      ...(request.interval ? { interval: request.interval } : {}),
      ...(request.timezone ? { timezone: request.timezone } : {}),
    };
    try {
      await client.schedule.create({
        scheduleId,
        spec: {
          ...(request.cron ? { cronExpressions: [request.cron] } : {}),
          ...(request.interval ? { intervals: [{ every: parseDuration(request.interval)! }] } : {}),
          ...(request.timezone ? { timezone: request.timezone } : {}),
        },
        action: {
          type: 'startWorkflow',
          workflowType: WORKFLOW_TYPE,
          workflowId: workflowIdOf(scheduleId),
          taskQueue: deps.taskQueue,
          args: [input],
          memo: { origin: 'schedule', scheduleId },
          typedSearchAttributes: flowSearchAttributes({ flowId: flow.id, name: flow.name, version: flow.version }),
          staticSummary: `${flow.name} v${flow.version} · schedule ${scheduleId}`,
        },
        policies: { overlap: OVERLAP_POLICIES[request.overlap ?? 'skip'] },
        state: { paused: request.paused ?? false, ...(request.note ? { note: request.note } : {}) },
        memo: memo as unknown as Record<string, unknown>,
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning)
        throw new HttpError(409, 'conflict', `schedule "${scheduleId}" already exists`);
      throw invalidSpec(err, request);
    }
    return get(scheduleId);
  }

  async function describe(scheduleId: string): Promise<ScheduleDescription> {
    try {
      return await client.schedule.getHandle(scheduleId).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound(`schedule "${scheduleId}"`);
      throw err;
    }
  }

  async function get(scheduleId: string): Promise<ScheduleView> {
    const d = await describe(scheduleId);
    const memo = (d.memo ?? {}) as Partial<ScheduleMemo>;
    if (!memo.flowName) throw notFound(`schedule "${scheduleId}" (not a Tempoflow schedule)`);
    const input = (d.action.args?.[0] ?? {}) as Partial<RunFlowInput>;
    const overlap = (Object.entries(OVERLAP_POLICIES).find(([, v]) => v === d.policies.overlap)?.[0] ??
      'skip') as Overlap;
    return {
      scheduleId,
      flow: memo.flowName,
      flowId: memo.flowId ?? '',
      flowVersion: input.flow?.version ?? 0,
      ...(memo.cron ? { cron: memo.cron } : {}),
      ...(memo.interval ? { interval: memo.interval } : {}),
      ...(memo.timezone ? { timezone: memo.timezone } : {}),
      inputs: input.inputs ?? {},
      overlap,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      nextRunAt: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
      recentRuns: d.info.recentActions.map((a) => ({
        runId: runIdOf(a.action.workflow.workflowId),
        scheduledAt: a.scheduledAt.toISOString(),
        startedAt: a.takenAt.toISOString(),
      })),
      runsStarted: d.info.numActionsTaken,
      createdAt: d.info.createdAt.toISOString(),
      links: {
        self: `/api/v1/schedules/${encodeURIComponent(scheduleId)}`,
        temporalUi: `${deps.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/schedules/${encodeURIComponent(scheduleId)}`,
      },
    };
  }

  /** The flow's schedules (Temporal visibility: a new schedule shows up within about a second). */
  async function list(flowRef: string): Promise<ScheduleView[]> {
    const flow = await getFlow(sql, flowRef);
    if (!flow) throw notFound(`flow "${flowRef}"`);
    const ids: string[] = [];
    for await (const s of client.schedule.list()) {
      if ((s.memo as Partial<ScheduleMemo> | undefined)?.flowId === flow.id) ids.push(s.scheduleId);
    }
    const views = await Promise.all(ids.map((id) => get(id).catch(() => undefined)));
    return views
      .filter((v): v is ScheduleView => v !== undefined)
      .sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
  }

  async function pause(scheduleId: string, note?: string): Promise<ScheduleView> {
    await get(scheduleId);
    await client.schedule.getHandle(scheduleId).pause(note ?? 'paused through the Tempoflow API');
    return get(scheduleId);
  }

  async function resume(scheduleId: string, note?: string): Promise<ScheduleView> {
    await get(scheduleId);
    await client.schedule.getHandle(scheduleId).unpause(note ?? 'resumed through the Tempoflow API');
    return get(scheduleId);
  }

  /** Starts one run now, whatever the spec says (the overlap policy still applies). */
  async function trigger(scheduleId: string): Promise<void> {
    await get(scheduleId);
    await client.schedule.getHandle(scheduleId).trigger();
  }

  async function remove(scheduleId: string): Promise<void> {
    await get(scheduleId);
    await client.schedule.getHandle(scheduleId).delete();
  }

  return { create, get, list, pause, resume, trigger, remove };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;

/**
 * Temporal refuses a bad cron or time zone with INVALID_ARGUMENT, which the SDK rethrows as a
 * TypeError ("Invalid schedule spec: …" without its prefix): a 400 naming the field.
 */
function invalidSpec(err: unknown, request: ScheduleRequest): unknown {
  const e = err as { cause?: { code?: number; details?: string } };
  const detail = err instanceof TypeError ? err.message : e.cause?.code === 3 ? e.cause.details : undefined;
  if (!detail) return err;
  const path = /time ?zone|location/i.test(detail) && request.timezone ? '$.timezone' : request.cron ? '$.cron' : '$';
  return new HttpError(400, 'invalid_request', `invalid schedule: ${path} ${detail}`, [{ path, message: detail }]);
}
