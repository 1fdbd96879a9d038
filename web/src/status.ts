import type { NodeStatus } from './api';

export const STATUSES: { status: NodeStatus; label: string }[] = [
  { status: 'pending', label: 'pending' },
  { status: 'running', label: 'running' },
  { status: 'retrying', label: 'retrying' },
  { status: 'waiting', label: 'waiting' },
  { status: 'completed', label: 'completed' },
  { status: 'failed', label: 'failed' },
  { status: 'skipped', label: 'skipped' },
  { status: 'cancelled', label: 'cancelled' },
];

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
