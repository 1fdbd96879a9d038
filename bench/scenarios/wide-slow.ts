import { fanout } from '../flows.js';
import type { Scenario } from '../scenario.js';
import { round, showMs, stats, time } from '../stats.js';

const WIDTH = 100;
const NODE_MS = 500;

/** 100 parallel nodes of 500 ms each: how close the makespan gets to the critical path. */
export const wideSlow: Scenario = {
  name: 'wide-slow-100',
  async run(bench) {
    const wide = fanout('bench-wide-slow-100', WIDTH, NODE_MS);
    await bench.store(wide);
    await bench.runTempo(wide.name);
    await bench.hand('handFanout', ['bench', WIDTH, NODE_MS]);
    const makespans: number[] = [];
    const handMakespans: number[] = [];
    for (let i = 0; i < bench.trials; i++) {
      makespans.push(await time(() => bench.runTempo(wide.name)));
      handMakespans.push(await time(() => bench.hand('handFanout', ['bench', WIDTH, NODE_MS])));
    }
    return {
      'wide-slow-100': {
        makespanMs: stats(makespans),
        criticalPathMs: NODE_MS,
        efficiency: round(NODE_MS / stats(makespans).median, 3),
        handwrittenMakespanMs: stats(handMakespans),
        handwrittenEfficiency: round(NODE_MS / stats(handMakespans).median, 3),
      },
    };
  },
  rows: (s) => {
    const w = s['wide-slow-100'];
    return [
      [
        'wide-slow-100',
        `makespan ${showMs(w.makespanMs)}, efficiency ${w.efficiency}`,
        `makespan ${showMs(w.handwrittenMakespanMs)}, efficiency ${w.handwrittenEfficiency}`,
        '',
        '',
      ],
    ];
  },
};
