import { fanout } from '../flows.js';
import type { Scenario } from '../scenario.js';
import { round, stats, time, type Stats } from '../stats.js';

/** The widest fan-out keeps the flow at the API's 1,000-node limit (input + 998 + join). */
const WIDTHS = [10, 100, 998];

/** Fan-outs of 10, 100 and 998 nodes: how the makespan grows with the width. */
export const scaling: Scenario = {
  name: 'scaling',
  async run(bench) {
    const makespans: Record<string, Stats> = {};
    for (const n of WIDTHS) {
      const def = fanout(`bench-scale-${n}`, n);
      await bench.store(def);
      await bench.runTempo(def.name);
      const xs: number[] = [];
      for (let i = 0; i < (bench.quick ? 1 : 3); i++) xs.push(await time(() => bench.runTempo(def.name)));
      makespans[n] = stats(xs);
      bench.log(`scaling ${n}: ${JSON.stringify(makespans[n])}`);
    }
    return {
      scaling: {
        fanoutMakespanMs: makespans,
        msPerNodeAtWidest: round(makespans[WIDTHS.at(-1)!].median / WIDTHS.at(-1)!, 2),
      },
    };
  },
  rows: (s) => [
    [
      `scaling (fan-out ${WIDTHS.join('/')})`,
      `${Object.values(s.scaling.fanoutMakespanMs as Record<string, Stats>)
        .map((x) => x.median)
        .join(' / ')} ms`,
      '',
      '',
      '',
    ],
  ],
};
