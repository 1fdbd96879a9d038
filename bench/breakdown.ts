import type { Client } from '@temporalio/client';
import { round } from './stats.js';

/**
 * Where a run's time went, read from its Temporal history (server timestamps, one clock): the
 * time workflow tasks waited for a worker (dispatch), the time workers held them (the workflow code,
 * plus any local activities such as the event outbox, which run inside a workflow task), the time
 * activity tasks waited for a worker, and the time activities ran. Sums over the run, so on a
 * chain (one thing at a time) they add up to the run's wall time and divide by the node count.
 */
export interface Breakdown {
  wallMs: number;
  workflowTasks: number;
  workflowTaskDispatchMs: number;
  workflowTaskWorkMs: number;
  localActivities: number;
  activities: number;
  activityDispatchMs: number;
  activityRunMs: number;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

export async function breakdown(client: Client, workflowId: string): Promise<Breakdown> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const at = new Map<number, number>();
  const b: Breakdown = {
    wallMs: 0,
    workflowTasks: 0,
    workflowTaskDispatchMs: 0,
    workflowTaskWorkMs: 0,
    localActivities: 0,
    activities: 0,
    activityDispatchMs: 0,
    activityRunMs: 0,
  };
  for (const e of events) {
    const t = ms(e.eventTime);
    at.set(Number(e.eventId), t);
    const since = (id: unknown) => t - (at.get(Number(id)) ?? t);
    if (e.workflowTaskStartedEventAttributes) {
      b.workflowTasks++;
      b.workflowTaskDispatchMs += since(e.workflowTaskStartedEventAttributes.scheduledEventId);
    } else if (e.workflowTaskCompletedEventAttributes)
      b.workflowTaskWorkMs += since(e.workflowTaskCompletedEventAttributes.startedEventId);
    else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') b.localActivities++;
    else if (e.activityTaskStartedEventAttributes) {
      b.activities++;
      b.activityDispatchMs += since(e.activityTaskStartedEventAttributes.scheduledEventId);
    } else if (e.activityTaskCompletedEventAttributes)
      b.activityRunMs += since(e.activityTaskCompletedEventAttributes.startedEventId);
  }
  if (events.length > 0) b.wallMs = ms(events[events.length - 1].eventTime) - ms(events[0].eventTime);
  return b;
}

/** The breakdown per node: what one node of an n-node run costs, by stage. */
export function perNode(b: Breakdown, nodes: number): Record<string, number> {
  const each = (x: number) => round(x / nodes, 1);
  return {
    wallMs: each(b.wallMs),
    workflowTaskDispatchMs: each(b.workflowTaskDispatchMs),
    workflowTaskWorkMs: each(b.workflowTaskWorkMs),
    activityDispatchMs: each(b.activityDispatchMs),
    activityRunMs: each(b.activityRunMs),
    workflowTasks: each(b.workflowTasks),
    localActivities: each(b.localActivities),
  };
}

/** `wall 16 ms = WFT wait 2 + WFT work 8 + act wait 1 + act run 5 (1 WFT, 0 LA)`, for the table. */
export function showPerNode(p: Record<string, number> | undefined): string {
  if (!p) return '';
  return (
    `${p.wallMs} ms/node = WFT wait ${p.workflowTaskDispatchMs} + WFT work ${p.workflowTaskWorkMs}` +
    ` + act wait ${p.activityDispatchMs} + act run ${p.activityRunMs} (${p.workflowTasks} WFT, ${p.localActivities} LA)`
  );
}
