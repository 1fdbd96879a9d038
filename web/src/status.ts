import type { NodeStatus } from './api';

/** The node statuses in the order the legend shows them. */
export const STATUSES: { status: NodeStatus; label: string }[] = (
  ['pending', 'running', 'retrying', 'waiting', 'completed', 'failed', 'skipped', 'cancelled'] as const
).map((status) => ({ status, label: status }));

/** Each status's colour and background: the one place they are defined (see statusStyles). */
export const STATUS_COLOURS: Record<NodeStatus, [colour: string, background: string]> = {
  pending: ['#94a3b8', '#ffffff'],
  running: ['#2563eb', '#eff6ff'],
  retrying: ['#b45309', '#fffbeb'],
  waiting: ['#7c3aed', '#f5f3ff'],
  completed: ['#15803d', '#f0fdf4'],
  failed: ['#dc2626', '#fef2f2'],
  skipped: ['#94a3b8', '#f1f5f9'],
  cancelled: ['#475569', '#e2e8f0'],
};

/**
 * The status rules the style sheets use: `--<status>` and `--<status>-bg` on :root, and on each
 * `.status-<status>` element its own pair as `--c` and `--cb`.
 */
export function statusStyles(): string {
  const entries = Object.entries(STATUS_COLOURS);
  const root = entries.map(([s, [c, bg]]) => `--${s}:${c};--${s}-bg:${bg};`).join('');
  return `:root{${root}}${entries.map(([s]) => `.status-${s}{--c:var(--${s});--cb:var(--${s}-bg)}`).join('')}`;
}

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
