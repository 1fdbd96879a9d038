const ICON: Record<string, string> = {
  running: '▶',
  retrying: '↻',
  completed: '✔',
  failed: '✖',
  skipped: '⤼',
  waiting: '⏸',
  cancelled: '■',
};

/** A table of node states for the terminal. */
export function renderNodeTable(states: Map<string, { status: string; attempt?: number; note?: string }>): string {
  const width = Math.max(4, ...[...states.keys()].map((k) => k.length));
  const lines = [`${'node'.padEnd(width)}  status      attempt  note`];
  for (const [id, s] of states) {
    lines.push(
      `${id.padEnd(width)}  ${`${ICON[s.status] ?? ' '} ${s.status}`.padEnd(11)} ${String(s.attempt ?? '').padEnd(8)} ${(s.note ?? '').replace(/\s+/g, ' ').slice(0, 60)}`,
    );
  }
  return lines.join('\n');
}
