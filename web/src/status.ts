import type { NodeStatus } from './api';

/** The node statuses in the order the legend shows them. */
export const STATUSES: { status: NodeStatus; label: string }[] = (
  ['pending', 'running', 'retrying', 'waiting', 'completed', 'failed', 'skipped', 'cancelled'] as const
).map((status) => ({ status, label: status }));

const CLOSED = new Set(['completed', 'failed', 'cancelled']);

/** A run that has ended: completed, failed or cancelled. */
export const isClosed = (status: string): boolean => CLOSED.has(status);

export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}
