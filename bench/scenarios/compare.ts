import { breakdown, perNode, showPerNode } from '../breakdown.js';
import { addCpu, cpuSince, cpuSnapshot, showCpu, type CpuParts } from '../cpu.js';
import type { BenchFlow } from '../flows.js';
import { runInProcess } from '../inprocess.js';
import type { Row, Scenario } from '../scenario.js';
import { round, showMs, stats, time } from '../stats.js';

/**
 * The same graph three ways, interleaved trial by trial: through Tempoflow's API, as a hand-written
 * Temporal workflow with the same activities, and in-process with no durability.
 */
export function compareScenario(
  name: string,
  flow: BenchFlow,
  handType: string,
  handArgs: unknown[],
  /** A chain (one node at a time): its history stages add up to the wall time, so print them per node. */
  sequential = false,
): Scenario {
  return {
    name,
    async run(bench) {
      await bench.store(flow);
      const tempo = () => bench.runTempo(flow.name);
      const hand = () => bench.hand(handType, handArgs);
      const inprocess = () => runInProcess(flow, {});
      bench.log(`${name}: warming up`);
      await tempo();
      await hand();
      await inprocess();
      const t: number[] = [];
      const h: number[] = [];
      const p: number[] = [];
      // CPU seconds by part (bench/cpu.ts), summed over the trials of each side.
      const cpu: { tempoflow?: CpuParts; handwritten?: CpuParts } = {};
      const timed = async (fn: () => Promise<unknown>, side: keyof typeof cpu) => {
        const before = cpuSnapshot();
        const ms = await time(fn);
        const spent = cpuSince(before);
        if (spent) cpu[side] = addCpu(cpu[side], spent);
        return ms;
      };
      for (let i = 0; i < bench.trials; i++) {
        t.push(await timed(tempo, 'tempoflow'));
        h.push(await timed(hand, 'handwritten'));
        p.push(await time(inprocess));
      }
      // Where one node's time goes, from the histories of one more run of each (server clock).
      const nodes = flow.nodes.length;
      const tempoRun = await tempo();
      await hand();
      const tempoflowPerNode = perNode(await breakdown(bench.client, tempoRun.workflowId), nodes);
      const handwrittenPerNode = perNode(await breakdown(bench.client, bench.lastHandWorkflowId!), nodes);
      return {
        [name]: {
          tempoflowPerNode,
          handwrittenPerNode,
          tempoflowMs: stats(t),
          handwrittenMs: stats(h),
          inprocessMs: stats(p),
          ratioVsHandwritten: round(stats(t).median / stats(h).median, 2),
          trials: bench.trials,
          cpuSeconds: cpu,
        },
      };
    },
    rows: (s) =>
      [
        [
          name,
          showMs(s[name].tempoflowMs),
          showMs(s[name].handwrittenMs),
          showMs(s[name].inprocessMs),
          `${s[name].ratioVsHandwritten}×`,
        ],
        [
          `${name}, CPU seconds (${s[name].trials} trials)`,
          showCpu(s[name].cpuSeconds?.tempoflow),
          showCpu(s[name].cpuSeconds?.handwritten),
          '',
          '',
        ],
        ...(sequential
          ? [
              [
                `${name} per node`,
                showPerNode(s[name].tempoflowPerNode),
                showPerNode(s[name].handwrittenPerNode),
                '',
                '',
              ],
            ]
          : []),
      ] as Row[],
  };
}
