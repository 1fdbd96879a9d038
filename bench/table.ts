import type { Row } from './scenario.js';

const HEADER: Row = ['scenario', 'tempoflow', 'hand-written', 'in-process', 'ratio vs hand-written'];

/** A Markdown table (the README's Performance section pastes it as it is). */
export function formatTable(rows: Row[]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: Row) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(HEADER), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
