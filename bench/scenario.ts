import type { Bench } from './harness.js';

/** One row of the printed table: scenario, tempoflow, hand-written, in-process, ratio. */
export type Row = [string, string, string, string, string];

/**
 * A benchmark scenario as data: what it measures (`run`, which returns one result per key it
 * produces, written to bench/results.json) and how its results read in the table (`rows`).
 */
export interface Scenario {
  /** The name `--only=` selects. */
  name: string;
  run(bench: Bench): Promise<Record<string, unknown>>;
  rows(results: Record<string, any>): Row[];
}
