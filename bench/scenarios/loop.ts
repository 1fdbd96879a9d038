import { historySizes } from '../../runs/index.js';
import { cpuSince, cpuSnapshot, showCpu } from '../cpu.js';
import { echoLoopNode } from '../flows.js';
import type { Scenario } from '../scenario.js';
import { round, time } from '../stats.js';

const ITEMS = 10_000;
/** `--quick` (the CI smoke) loops over fewer items: it checks that everything works, not how fast. */
const QUICK_ITEMS = 2_000;
const CONCURRENCY = 50;

/** A loop over 10,000 items: wall time and the largest history any of its executions reached. */
export const loop: Scenario = {
  name: 'loop-10000',
  async run(bench) {
    const count = bench.quick ? QUICK_ITEMS : ITEMS;
    const items = Array.from({ length: count }, (_, i) => i);
    await bench.store({
      name: 'bench-loop',
      nodes: [{ id: 'in', type: 'input' }, echoLoopNode('each', 'in.items', CONCURRENCY)],
      edges: [{ source: 'in', target: 'each' }],
    });
    bench.log('loop-10000');
    let run: { workflowId: string } | undefined;
    const c0 = cpuSnapshot();
    const ms = await time(async () => (run = await bench.runTempo('bench-loop', { items })));
    const tempoCpu = cpuSince(c0);
    bench.log('loop-10000: hand-written');
    const h0 = cpuSnapshot();
    const handMs = await time(() => bench.hand('handLoop', ['bench', items, CONCURRENCY]));
    const handCpu = cpuSince(h0);
    return {
      'loop-10000': {
        items: count,
        concurrency: CONCURRENCY,
        ms: round(ms),
        handwrittenMs: round(handMs),
        ratioVsHandwritten: round(ms / handMs, 2),
        // CPU seconds of each part during each loop (bench/cpu.ts).
        cpuSeconds: { tempoflow: tempoCpu, handwritten: handCpu },
        maxHistoryEvents: Math.max(...(await historySizes(bench.client, run!.workflowId)).values()),
      },
    };
  },
  rows: (s) => [
    [
      'loop-10000',
      `${s['loop-10000'].ms} ms, max history ${s['loop-10000'].maxHistoryEvents} events`,
      `${s['loop-10000'].handwrittenMs} ms`,
      '',
      `${s['loop-10000'].ratioVsHandwritten}×`,
    ],
    [
      'loop-10000, CPU seconds',
      showCpu(s['loop-10000'].cpuSeconds?.tempoflow),
      showCpu(s['loop-10000'].cpuSeconds?.handwritten),
      '',
      '',
    ],
  ],
};
