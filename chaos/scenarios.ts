import type { Scenario, ScenarioContext } from './types.js';

const pick = (rng: () => number, lo: number, hi: number) => lo + rng() * (hi - lo);

/**
 * A fault that takes one part away 2 s into the runs and brings it back after `down` ms; with two
 * pauses the API is probed between them.
 */
const outage =
  (part: (ctx: ScenarioContext) => { kill(): Promise<void>; start(): Promise<void> }, down: [number, number?]) =>
  async (ctx: ScenarioContext) => {
    await ctx.sleep(2000);
    await part(ctx).kill();
    await ctx.sleep(down[0]);
    if (down[1] !== undefined) {
      await ctx.probeApi();
      await ctx.sleep(down[1]);
    }
    await part(ctx).start();
  };

/**
 * The faults `npm run chaos` injects, as data; the runner (runner.ts) starts the runs, injects the
 * fault and measures. `short` sizes are what `npm test` runs.
 */
export const SCENARIOS: Scenario[] = [
  {
    name: 'worker crash loop',
    describe: (s) => `${s.kills} SIGKILLs of the worker at 1–3 s intervals, restarted each time`,
    runs: { full: 20, short: 4 },
    kills: { full: 10, short: 3 },
    flow: 'layers',
    async inject(ctx) {
      // The first kill lands while nodes run; the next ones come faster than a worker starts.
      await ctx.nodesRunning();
      for (let i = 0; i < ctx.kills; i++) {
        await ctx.worker.stop('SIGKILL');
        // Not waiting for it to poll: the next kill may land before the worker has started.
        await ctx.worker.start(false);
        await ctx.sleep(pick(ctx.rng, 1000, 3000));
      }
    },
  },
  {
    name: 'worker SIGTERM',
    describe: () => 'a new worker started, then the old one stopped with SIGTERM while nodes run',
    runs: { full: 10, short: 0 },
    flow: 'layers',
    async inject(ctx) {
      await ctx.sleep(2500);
      const old = ctx.worker.detach();
      await ctx.worker.start();
      await old.stop('SIGTERM');
    },
  },
  {
    name: 'Postgres restart',
    describe: () => 'Postgres killed (SIGKILL) mid-run, started again 4 s later',
    runs: { full: 10, short: 3 },
    flow: 'layers',
    // The API is asked how it is while Postgres is away.
    inject: outage((ctx) => ctx.postgres, [1500, 2500]),
  },
  {
    name: 'Temporal restart',
    describe: () => 'the Temporal dev server (SQLite file) killed mid-run, started again 3 s later',
    runs: { full: 10, short: 0 },
    flow: 'layers',
    inject: outage((ctx) => ctx.temporal, [3000]),
  },
  {
    name: 'API restart',
    describe: () => 'the API killed (SIGKILL) while every run is streamed, started again 1 s later',
    runs: { full: 10, short: 0 },
    flow: 'layers',
    inject: outage((ctx) => ({ kill: () => ctx.api.stop('SIGKILL'), start: () => ctx.api.start() }), [1000]),
  },
  {
    name: 'NUL bytes',
    describe: () => 'NUL and a lone surrogate in a run input, NUL in an http response, a clean run beside them',
    runs: { full: 3, short: 3 },
    flow: 'nul',
    async inject() {},
  },
];
