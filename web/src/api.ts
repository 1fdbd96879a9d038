/** The API client of the page: same origin, the API key from sessionStorage on every request. */
import type { NodeState, RunState, RunStatus } from '../../flow/run-types';

const KEY_STORAGE = 'tempoflow.apiKey';
const listeners = new Set<() => void>();

/** Takes `#key=…` from the address (once), keeps it for this tab and clears it from the address bar. */
export function takeKeyFromFragment(): void {
  const match = /(?:^#|&)key=([^&]*)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1]));
  history.replaceState(history.state, '', location.pathname + location.search);
}

export const apiKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Called when the API answers 401: the app asks for a key. */
export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
export const unauthorized = () => listeners.forEach((l) => l());

export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    if (res.status === 401) unauthorized();
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? 'http_error',
      error?.message ?? `${res.status} ${res.statusText}`,
      error?.details,
    );
  }
  return json as T;
}

/** Fetches a file with the key and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/api/v1${path}`, { headers: authHeaders() });
  if (res.status === 401) unauthorized();
  if (!res.ok) throw new ApiError(res.status, 'http_error', `${res.status} ${res.statusText}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export type { NodeStatus, RunStatus } from '../../flow/run-types';

export interface FlowNode {
  id: string;
  type: string;
  params?: Record<string, unknown>;
  retry?: Record<string, unknown>;
  timeout?: string;
  priority?: number;
  onError?: 'fail' | 'continue';
}
export interface FlowEdge {
  source: string;
  target: string;
  sourceHandle?: string;
  targetHandle?: string;
}
export interface FlowDefinition {
  name: string;
  description?: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
}
export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  version: number;
  nodes: number;
  updatedAt: string;
}
export interface FlowRecord extends Omit<FlowSummary, 'nodes'> {
  definition: FlowDefinition;
}
export interface RunSummary {
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  status: RunStatus;
  startedAt: string;
  closedAt: string | null;
}
/** A node's state as the API reports it (the workflow's state query). */
export type RunNodeState = NodeState;
/** A run as `GET /runs/:id` answers it: the workflow's state plus where it came from and links. */
export interface RunView extends RunState {
  origin?: string;
  links: { self: string; events: string; temporalUi: string };
}
