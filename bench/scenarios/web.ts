import type { Scenario } from '../scenario.js';
import { showMs } from '../stats.js';
import { benchWeb } from '../web.js';

/** The web page in Chromium: drawing a 200-node flow, and keeping up with a run of it. */
export const web: Scenario = {
  name: 'web-200',
  run: async (bench) => ({ 'web-200': await benchWeb(bench.base, bench.trials, bench.log) }),
  rows: (s) => {
    const w = s['web-200'];
    return [
      [
        'web page, 200 nodes',
        `draw ${showMs(w.drawMs)}; node shown p50 ${w.run.lagP50Ms} ms, p99 ${w.run.lagP99Ms} ms after its event (bare SSE client p50 ${w.run.streamLagP50Ms}, p99 ${w.run.streamLagP99Ms})`,
        '',
        '',
        '',
      ],
    ];
  },
};
