import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSql, freePort, migrate } from '../infra/index.js';
import { cachedWorkflowBundle } from '../bundle/index.js';
import { eventTrail, follow, reexecuted, type Followed } from './follow.js';
import { LAYERS, NUL, nulBody, runInputs } from './flows.js';
import { startRemote, type Remote } from './remote.js';
import { RoleSlot } from './role-slot.js';
import { SCENARIOS } from './scenarios.js';
import { sleep, startPostgres, startTemporal } from './services.js';
import type { Profile, Scenario, ScenarioContext, ScenarioResult } from './types.js';

export type { Profile, Scenario, ScenarioContext, ScenarioResult } from './types.js';

/** The processes of the chaos stack and the base URL of its API. */
interface ChaosStack {
  base: string;
  remote: Remote;
  postgres: ScenarioContext['postgres'];
  temporal: ScenarioContext['temporal'];
  worker: RoleSlot;
  api: RoleSlot;
}

/** Starts its own Postgres, Temporal (file DB), API and worker processes, runs every scenario, tears down. */
export async function runChaos(o: {
  profile: Profile;
  only?: string[];
  log?: (line: string) => void;
  seed?: number;
}): Promise<ScenarioResult[]> {
  const log = o.log ?? (() => {});
  let seed = o.seed ?? 12;
  const rng = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempoflow-chaos-'));
  chmodSync(dir, 0o755);
  const cleanups: (() => Promise<void>)[] = [];
  const results: ScenarioResult[] = [];
  try {
    const stack = await startStack(dir, cleanups, log);
    for (const scenario of SCENARIOS) {
      const runs = scenario.runs[o.profile];
      if (runs === 0 || (o.only && !o.only.some((n) => scenario.name.toLowerCase().includes(n.toLowerCase()))))
        continue;
      results.push(await runScenario(stack, scenario, o.profile, rng, log));
    }
    const startup = await measureStartup(stack.worker, o.profile === 'full' ? 5 : 0, log);
    return Object.assign(results, startup);
  } finally {
    for (const c of cleanups) await c().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Postgres, Temporal, the remote, one worker and one API process; each registers its cleanup (last first). */
async function startStack(
  dir: string,
  cleanups: (() => Promise<void>)[],
  log: (line: string) => void,
): Promise<ChaosStack> {
  const remote = await startRemote();
  cleanups.push(() => remote.close());
  log('starting Postgres and Temporal (file database)…');
  const pgUrl = `postgres://tempoflow:tempoflow@127.0.0.1:${await freePort()}/tempoflow`;
  const postgres = await startPostgres(pgUrl, path.join(dir, 'postgres'));
  cleanups.unshift(() => postgres.stop());
  const sql = createSql(pgUrl, { max: 1 });
  await migrate(sql);
  await sql.end();
  const temporal = await startTemporal(
    `127.0.0.1:${await freePort()}`,
    path.join(dir, 'temporal.db'),
    process.env.TEMPORAL_CLI_PATH,
  );
  cleanups.unshift(() => temporal.stop());
  await cachedWorkflowBundle(process.env.DATA_DIR ?? '.data');

  const port = await freePort();
  const env = {
    DATABASE_URL: pgUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'chaos',
    HTTP_ALLOW_HOSTS: remote.host,
    PORT: String(port),
    API_KEYS: '',
  };
  const base = `http://127.0.0.1:${port}`;
  const worker = new RoleSlot('worker', env);
  const api = new RoleSlot('api', env);
  cleanups.unshift(async () => {
    await worker.stop('SIGKILL');
    await api.stop('SIGKILL');
  });
  await Promise.all([worker.start(), api.start()]);
  for (const flow of [LAYERS(`http://${remote.host}`), NUL()]) {
    const res = await post(`${base}/api/v1/flows`, flow);
    if (res.status !== 201) throw new Error(`storing ${flow.name}: ${res.status} ${await res.text()}`);
  }
  return { base, remote, postgres, temporal, worker, api };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Starts the scenario's runs, follows their streams, injects the fault, waits for the runs and measures. */
async function runScenario(
  stack: ChaosStack,
  scenario: Scenario,
  profile: Profile,
  rng: () => number,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  const { base, worker, api, remote } = stack;
  const runs = scenario.runs[profile];
  const kills = scenario.kills?.[profile] ?? 0;
  log(`${scenario.name}: ${scenario.describe({ kills })}, ${runs} runs`);
  if (!worker.current.running) await worker.start();
  if (!api.current.running) await api.start();
  remote.seen.clear();
  const crashesBefore = worker.crashes + api.crashes;
  const apiWhileDown: NonNullable<ScenarioResult['apiWhileDown']> = [];
  const followed: Followed[] = [];
  const inputs = (i: number) => runInputs(scenario.flow, i, remote.host);
  for (let i = 0; i < runs; i++) {
    const res = await post(`${base}/api/v1/flows/chaos-${scenario.flow}/runs`, { inputs: inputs(i) });
    if (res.status !== 202) throw new Error(`starting a run: ${res.status} ${await res.text()}`);
    const { runId } = (await res.json()) as { runId: string };
    followed.push({ runId, started: Date.now(), events: [], gaps: 0, duplicates: 0 });
  }
  const deadline = Date.now() + (profile === 'full' ? 300_000 : 120_000);
  const following = followed.map((f) => follow(base, f, deadline));
  await scenario.inject({
    ...stack,
    kills,
    rng,
    sleep,
    nodesRunning: async () => {
      const running = () =>
        followed.some((f) => {
          const started = f.events.filter((e) => e.type === 'node.started' && e.nodeId?.startsWith('b'));
          return started.length > 0 && !f.events.some((e) => e.type === 'node.completed' && e.nodeId?.startsWith('b'));
        });
      while (!running() && Date.now() < deadline) await sleep(50);
    },
    probeApi: async () => {
      const res = await fetch(`${base}/api/v1/flows`).catch(() => undefined);
      const body = (await res?.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
      const ready = await fetch(`${base}/readyz`).catch(() => undefined);
      apiWhileDown.push({ status: res?.status ?? 0, code: body?.error?.code, readyz: ready?.status ?? 0 });
    },
  });
  const faultEnd = Date.now();
  if (!worker.current.running) await worker.start();
  await Promise.all(following);
  let preserved: number | undefined;
  if (scenario.flow === 'nul') {
    preserved = 0;
    for (const [i, f] of followed.entries()) {
      const run = (await (await fetch(`${base}/api/v1/runs/${f.runId}`)).json()) as {
        outputs?: { out?: { name?: string; body?: string } };
      };
      if (run.outputs?.out?.name === inputs(i).name && run.outputs?.out?.body === nulBody(i)) preserved += 1;
    }
  }
  const result: ScenarioResult = {
    ...measure(scenario, kills, followed, faultEnd, {
      httpRepeats: [...remote.seen.values()].reduce((n, c) => n + c - 1, 0),
      crashes: worker.crashes + api.crashes - crashesBefore,
    }),
    ...(apiWhileDown.length ? { apiWhileDown } : {}),
    ...(preserved !== undefined ? { preserved } : {}),
  };
  log(`  ${JSON.stringify(result)}`);
  for (const slot of [worker, api]) {
    for (const text of slot.crashLogs.splice(0))
      log(`  the ${slot.role} exited on its own; its log ends with:\n${text}`);
  }
  const example = followed.find((f) => reexecuted(f.events) > 0);
  if (example) log(`  a run with a completed node executed again (${example.runId}): ${eventTrail(example)}`);
  return result;
}

/** What the followed streams show, with the remote's and the processes' counts. */
function measure(
  scenario: Scenario,
  kills: number,
  followed: Followed[],
  faultEnd: number,
  counted: Pick<ScenarioResult, 'httpRepeats' | 'crashes'>,
): ScenarioResult {
  const ends = followed.map((f) => f.ended ?? Date.now());
  const count = (of: (f: Followed) => number) => followed.reduce((n, f) => n + of(f), 0);
  const events = (f: Followed, keep: (e: Followed['events'][number]) => boolean) => f.events.filter(keep).length;
  return {
    name: scenario.name,
    fault: scenario.describe({ kills }),
    started: followed.length,
    completed: followed.filter((f) => f.terminal === 'run.completed').length,
    failed: followed.filter((f) => f.terminal === 'run.failed').length,
    stuck: followed.filter((f) => !f.terminal).length,
    nodeExecutions: count((f) => events(f, (e) => e.type === 'node.started')),
    completedReexecuted: count((f) => reexecuted(f.events)),
    workerLostRetries: count((f) => events(f, (e) => e.type === 'node.retrying' && e.reason === 'worker-lost')),
    httpRepeats: counted.httpRepeats,
    streamGaps: count((f) => f.gaps),
    streamDuplicates: count((f) => f.duplicates),
    crashes: counted.crashes,
    recoverSeconds: Math.max(0, (Math.max(...ends) - faultEnd) / 1000),
    longestRunSeconds: Math.max(...followed.map((f) => ((f.ended ?? Date.now()) - f.started) / 1000)),
  };
}

/** Worker start → first poll, measured on a worker restarted alone (no fault, no run in flight). */
async function measureStartup(worker: RoleSlot, times: number, log: (line: string) => void) {
  const startups: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < times; i++) {
    await worker.stop('SIGTERM');
    await worker.start();
    startups.push(...worker.current.startupMs);
    cpu.push(...worker.current.startupCpuMs);
  }
  if (startups.length)
    log(
      `worker start → first poll: ${startups.map((ms) => `${ms} ms`).join(', ')} (CPU time ${cpu.map((ms) => `${ms} ms`).join(', ')}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
    );
  return { workerStartupMs: startups, workerStartupCpuMs: cpu, loadAverage: os.loadavg()[0] };
}
