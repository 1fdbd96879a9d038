/**
 * Where the machine's CPU went while a scenario ran: seconds of CPU (user + system, from /proc) by
 * part — the Temporal dev server, Postgres (with its exited children), and this process split into
 * its main thread (API, activities, bench client), its other Node threads (`nodeThreads`: the SDK's
 * workflow threads, which run workflow code, beside V8's garbage collector and compiler threads and
 * libuv's pool: Node names them all `node`) and its named threads (`otherThreads`: the SDK core's
 * Rust threads). On two saturated cores a gap in throughput is CPU that one side spends and the
 * other does not; this says whose it is. A process started for a scenario (an API of its own) is in
 * no part. Linux only: elsewhere `cpuSnapshot` returns undefined and no split is reported.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { round } from './stats.js';

export type CpuParts = Record<'temporal' | 'postgres' | 'main' | 'nodeThreads' | 'otherThreads', number>;
export type CpuSnapshot = CpuParts;

const TICKS_PER_SECOND = 100;

/**
 * utime + stime of one /proc/…/stat, in seconds (with `children`, also cutime + cstime: the CPU of
 * its children that exited, such as Postgres backends), and the command name.
 */
function stat(path: string, children = false): { comm: string; seconds: number } | undefined {
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
    seconds:
      (Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0)) /
      TICKS_PER_SECOND,
  };
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const parts: CpuParts = { temporal: 0, postgres: 0, main: 0, nodeThreads: 0, otherThreads: 0 };
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const s = stat(`/proc/${pid}/stat`, true);
    if (s?.comm.startsWith('temporal')) parts.temporal += s.seconds;
    else if (s?.comm.startsWith('postgres')) parts.postgres += s.seconds;
  }
  for (const tid of readdirSync('/proc/self/task')) {
    const s = stat(`/proc/self/task/${tid}/stat`);
    if (!s) continue;
    if (Number(tid) === process.pid) parts.main += s.seconds;
    else if (s.comm === 'node') parts.nodeThreads += s.seconds;
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

/** Two spends added part by part (a scenario summing its trials). */
export function addCpu(sum: CpuParts | undefined, more: CpuParts): CpuParts {
  if (!sum) return more;
  const out = { ...sum };
  for (const k of Object.keys(more) as (keyof CpuParts)[]) out[k] = round(out[k] + more[k]);
  return out;
}

/** "temporal 11.3 s, postgres 1.0 s, …" with the total first. */
export function showCpu(parts: CpuParts | undefined): string {
  if (!parts) return 'n/a';
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return `${round(total)} s: ${Object.entries(parts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;
}
