import { workflowIdOf } from '../../flow/index.js';
import type { Scenario } from '../scenario.js';
import { round } from '../stats.js';

const STEPS = [250, 500, 1000];

const rss = () => {
  global.gc?.();
  return round(process.memoryUsage().rss / 2 ** 20);
};
const heap = () => round(process.memoryUsage().heapUsed / 2 ** 20);

/** 1,000 runs parked on an approval: the process's memory at 0, 250, 500 and 1,000 waiting runs. */
export const waiting: Scenario = {
  name: 'waiting-1000',
  async run(bench) {
    await bench.store({
      name: 'bench-wait',
      nodes: [{ id: 'ok', type: 'approval', params: { timeout: '1h' } }],
      edges: [],
    });
    const total = STEPS[STEPS.length - 1];
    const heapAt: Record<string, number> = { 0: heap() };
    const rssAt: Record<string, number> = { 0: rss() };
    const ids: string[] = [];
    try {
      for (const step of STEPS) {
        const batch = await Promise.all(
          Array.from({ length: step - ids.length }, () => bench.post('/api/v1/flows/bench-wait/runs', {})),
        );
        ids.push(...batch.map((r: { runId: string }) => r.runId));
        for (let i = 0; ; i++) {
          const [{ n }] =
            await bench.sql`SELECT count(*)::int AS n FROM run_events WHERE type = 'node.waiting' AND run_id = ANY(${ids})`;
          if (n >= ids.length) break;
          if (i > 600) throw new Error(`only ${n} of ${ids.length} runs reached their approval`);
          await new Promise((r) => setTimeout(r, 200));
        }
        rssAt[step] = rss();
        heapAt[step] = heap();
        bench.log(`waiting: ${step} runs, rss ${rssAt[step]} MiB`);
      }
    } finally {
      await Promise.all(
        ids.map((id) =>
          bench.client.workflow
            .getHandle(workflowIdOf(id))
            .terminate('benchmark done')
            .catch(() => undefined),
        ),
      );
    }
    return {
      'waiting-1000': {
        runs: total,
        workerRssMb: rssAt[total],
        rssMbAt: rssAt,
        heapUsedMbAt: heapAt,
        kbPerWaitingRun: round(((rssAt[total] - rssAt[0]) * 1024) / total),
        maxCachedWorkflows: bench.maxCachedWorkflows,
        note: 'worker, API and client share this process; runs beyond the worker cache are evicted and replayed on their next task',
      },
    };
  },
  rows: (s) => [
    [
      'waiting-1000',
      `RSS ${Object.values(s['waiting-1000'].rssMbAt).join(' / ')} MiB at 0/${STEPS.join('/')} runs`,
      '',
      '',
      '',
    ],
  ],
};
