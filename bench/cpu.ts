/**
 * Where the machine's CPU went while a scenario ran: seconds of CPU (user + system, from /proc) by
 * part — the Temporal dev server, Postgres, and this process split into its main thread (API,
 * activities, bench client), its workflow threads (the SDK's worker_threads running workflow
 * code) and the rest (the SDK core's Rust threads, libuv, V8 helpers). On two saturated cores a
 * gap in throughput is CPU that one side spends and the other does not; this says whose it is.
 * Linux only: elsewhere `cpuSnapshot` returns undefined and the scenario reports no split.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { round } from './stats.js';

export type CpuParts = Record<'temporal' | 'postgres' | 'main' | 'workflowThreads' | 'otherThreads', number>;
export type CpuSnapshot = CpuParts;

const TICKS_PER_SECOND = 100;

/** utime + stime of one /proc/…/stat, in seconds, and the command name. */
function stat(path: string): { comm: string; seconds: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    comm: text.slice(text.indexOf('(') + 1, close),
    seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
  };
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const parts: CpuParts = { temporal: 0, postgres: 0, main: 0, workflowThreads: 0, otherThreads: 0 };
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const s = stat(`/proc/${pid}/stat`);
    if (s?.comm.startsWith('temporal')) parts.temporal += s.seconds;
    else if (s?.comm.startsWith('postgres')) parts.postgres += s.seconds;
  }
  for (const tid of readdirSync('/proc/self/task')) {
    const s = stat(`/proc/self/task/${tid}/stat`);
    if (!s) continue;
    if (Number(tid) === process.pid) parts.main += s.seconds;
    // worker_threads keep the process's name; the SDK runs workflow code in them.
    else if (s.comm === 'node') parts.workflowThreads += s.seconds;
    else parts.otherThreads += s.seconds;
  }
  return parts;
}

/** CPU seconds spent by each part between two snapshots. */
export function cpuSince(before: CpuSnapshot | undefined): CpuParts | undefined {
  const after = cpuSnapshot();
  if (!before || !after) return undefined;
  const spent = {} as CpuParts;
  for (const k of Object.keys(after) as (keyof CpuParts)[]) spent[k] = round(after[k] - before[k]);
  return spent;
}

/** "temporal 11.3 s, postgres 1.0 s, …" with the total first. */
export function showCpu(parts: CpuParts | undefined): string {
  if (!parts) return 'n/a';
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return `${round(total)} s: ${Object.entries(parts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;
}
