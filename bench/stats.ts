export interface Stats {
  min: number;
  median: number;
  max: number;
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { min: round(s[0]), median: round(s[Math.floor(s.length / 2)]), max: round(s[s.length - 1]) };
}

/** The p-th percentile (nearest rank). */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
}

/** Milliseconds that `fn` takes. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** `median ms (min–max)`, the table's way of showing a measurement. */
export const showMs = (x?: Stats): string => (x ? `${x.median} ms (${x.min}–${x.max})` : '');
