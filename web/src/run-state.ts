import { NODE_STATUS_BY_EVENT } from '../../flow/run-types';
import type { NodeStatus, RunStatus } from './api';
import type { RunEvent } from './sse';

/** What the page knows about one node, built only from the run's events. */
export interface NodeView {
  status: NodeStatus;
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  error?: { message: string; type?: string };
  reason?: string;
  message?: string;
  reused?: boolean;
  params?: unknown;
  tokens?: string;
  itemsDone?: number;
  items?: number;
  childRunId?: string;
  events: RunEvent[];
}

/** The picture of a run: every node's view and the last event applied (`seq`). */
export interface RunPicture {
  seq: number;
  status: RunStatus | 'pending';
  startedAt?: string;
  endedAt?: string;
  error?: { message: string; nodeId?: string };
  nodes: Record<string, NodeView>;
}

const MAX_EVENTS_PER_NODE = 40;
const MAX_TOKEN_CHARS = 8000;

export function emptyPicture(nodeIds: string[]): RunPicture {
  return {
    seq: 0,
    status: 'pending',
    nodes: Object.fromEntries(nodeIds.map((id) => [id, { status: 'pending', attempt: 0, events: [] } as NodeView])),
  };
}

const FINAL: ReadonlySet<NodeStatus> = new Set(['completed', 'failed', 'skipped', 'cancelled']);

/**
 * Applies events in sequence order; events at or below `picture.seq` are ignored, so applying the
 * same events twice changes nothing. Only the nodes an event names get new objects (the graph
 * redraws just those).
 */
export function applyEvents(picture: RunPicture, events: RunEvent[]): RunPicture {
  let next: RunPicture | undefined;
  for (const e of events) {
    if (e.seq <= (next ?? picture).seq) continue;
    next ??= { ...picture, nodes: { ...picture.nodes } };
    next.seq = e.seq;
    switch (e.type) {
      case 'run.started':
        next.status = 'running';
        next.startedAt = e.ts;
        break;
      case 'run.completed':
      case 'run.failed':
      case 'run.cancelled':
        next.status = e.type.slice(4) as RunStatus;
        next.endedAt = e.ts;
        if (e.error) next.error = e.error as RunPicture['error'];
        break;
    }
    if (!e.nodeId) continue;
    const prev = next.nodes[e.nodeId] ?? { status: 'pending', attempt: 0, events: [] };
    const node: NodeView = {
      ...prev,
      // Tokens show as text, not as one event each.
      events: e.type === 'node.token' ? prev.events : [...prev.events.slice(-(MAX_EVENTS_PER_NODE - 1)), e],
    };
    const status = NODE_STATUS_BY_EVENT[e.type];
    if (status && !(FINAL.has(prev.status) && status === 'running' && prev.attempt >= (e.attempt ?? 0))) {
      node.status = status;
    }
    if (e.attempt) node.attempt = Math.max(prev.attempt, e.attempt);
    if (e.params !== undefined) node.params = e.params;
    switch (e.type) {
      case 'node.started':
        node.startedAt ??= e.ts;
        node.endedAt = undefined;
        if (typeof e.items === 'number') node.items = e.items;
        if (typeof e.childRunId === 'string') node.childRunId = e.childRunId;
        break;
      case 'node.retrying':
        node.error = e.error as NodeView['error'];
        node.reason = typeof e.reason === 'string' ? e.reason : undefined;
        break;
      case 'node.waiting':
        node.startedAt ??= e.ts;
        node.message = typeof e.message === 'string' ? e.message : undefined;
        break;
      case 'node.completed':
        node.startedAt ??= e.ts;
        node.endedAt = e.ts;
        node.error = undefined;
        if (e.reused) node.reused = true;
        break;
      case 'node.failed':
        node.endedAt = e.ts;
        node.error = e.error as NodeView['error'];
        break;
      case 'node.skipped':
        node.reason = typeof e.reason === 'string' ? e.reason : undefined;
        break;
      case 'node.cancelled':
        node.endedAt = e.ts;
        break;
      case 'node.token':
        node.tokens = `${prev.tokens ?? ''}${typeof e.token === 'string' ? e.token : ''}`.slice(-MAX_TOKEN_CHARS);
        break;
      case 'node.progress':
        if (typeof e.itemsDone === 'number') node.itemsDone = (prev.itemsDone ?? 0) + e.itemsDone;
        break;
    }
    next.nodes[e.nodeId] = node;
  }
  if (!next) return picture;
  if (next.status === 'running' || next.status === 'waiting')
    next.status = Object.values(next.nodes).some((n) => n.status === 'waiting') ? 'waiting' : 'running';
  return next;
}

const STORE = 'tempoflow.runs';
const KEEP = 8;

/** The picture last drawn for a run in this tab, so a reload resumes from its last event id. */
export function loadPicture(runId: string): RunPicture | undefined {
  try {
    const raw = sessionStorage.getItem(`${STORE}.${runId}`);
    return raw ? (JSON.parse(raw) as RunPicture) : undefined;
  } catch {
    return undefined;
  }
}

export function savePicture(runId: string, picture: RunPicture): void {
  try {
    const order = (JSON.parse(sessionStorage.getItem(STORE) ?? '[]') as string[]).filter((id) => id !== runId);
    order.push(runId);
    for (const old of order.splice(0, Math.max(0, order.length - KEEP))) sessionStorage.removeItem(`${STORE}.${old}`);
    sessionStorage.setItem(STORE, JSON.stringify(order));
    sessionStorage.setItem(`${STORE}.${runId}`, JSON.stringify(picture));
  } catch {
    /* storage full: a reload then replays the stream from the start, which draws the same picture */
  }
}
