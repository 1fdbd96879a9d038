import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createSseParser } from '../events/index.js';
import { createSql, freePort, migrate } from '../infra/index.js';
import { cachedWorkflowBundle } from '../bundle/index.js';
import { RoleProcess, sleep, startPostgres, startTemporal } from './services.js';

export type Profile = 'full' | 'short';

export interface ScenarioContext {
  worker: RoleSlot;
  api: RoleSlot;
  postgres: Awaited<ReturnType<typeof startPostgres>>;
  temporal: Awaited<ReturnType<typeof startTemporal>>;
  kills: number;
  rng: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Records how the API answers right now (used while Postgres is away). */
  probeApi: () => Promise<void>;
  /** Resolves once some run has an activity node running. */
  nodesRunning: () => Promise<void>;
}

export interface Scenario {
  name: string;
  describe: (s: { kills: number }) => string;
  runs: Record<Profile, number>;
  kills?: Record<Profile, number>;
  flow: 'layers' | 'nul';
  inject: (ctx: ScenarioContext) => Promise<void>;
}

export interface ScenarioResult {
  name: string;
  fault: string;
  started: number;
  completed: number;
  failed: number;
  /** Runs that had not ended when the scenario's deadline passed. */
  stuck: number;
  /** Node attempts started (node.started events), over all runs. */
  nodeExecutions: number;
  /** Nodes started again after they had completed. */
  completedReexecuted: number;
  workerLostRetries: number;
  /** HTTP requests the remote received beyond the first for one idempotency key. */
  httpRepeats: number;
  streamGaps: number;
  streamDuplicates: number;
  /** API or worker processes that exited on their own. */
  crashes: number;
  /** From the end of the fault to the last run's end. */
  recoverSeconds: number;
  /** Longest run, start to terminal event. */
  longestRunSeconds: number;
  apiWhileDown?: { status: number; code?: string; readyz: number }[];
  /** NUL scenario: runs whose outputs came back exactly as the input and the http body were. */
  preserved?: number;
}

/** The worker or API process of the chaos stack; `detach` hands over the current process (for a graceful swap). */
export class RoleSlot {
  current: RoleProcess;
  crashes = 0;
  /** The end of the log of each process that exited on its own. */
  crashLogs: string[] = [];
  startupMs: number[] = [];
  private expectedExit = new WeakSet<RoleProcess>();
  constructor(
    readonly role: 'api' | 'worker',
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.current = new RoleProcess(role, env);
  }
  async start(wait = true): Promise<void> {
    const p = new RoleProcess(this.role, this.env);
    this.current = p;
    await p.start(wait);
    p.child!.once('exit', () => {
      if (!this.expectedExit.has(p)) {
        this.crashes += 1;
        this.crashLogs.push(p.log.slice(-3000));
      }
      this.startupMs.push(...p.startupMs);
    });
  }
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.expectedExit.add(this.current);
    await this.current.stop(signal);
  }
  detach(): { stop: (signal: NodeJS.Signals) => Promise<void> } {
    const p = this.current;
    this.expectedExit.add(p);
    return { stop: async (signal) => void (await p.stop(signal)) };
  }
  get log(): string {
    return this.current.log;
  }
}

const LAYERS = (remote: string) => ({
  name: 'chaos-layers',
  nodes: [
    { id: 'in', type: 'input' },
    {
      id: 'a',
      type: 'http',
      params: { method: 'POST', url: `${remote}/work`, body: { step: 'a', n: '{{in.n}}' } },
      retry: { maximumAttempts: 10, initialInterval: '500ms' },
    },
    { id: 'b1', type: 'echo', params: { value: 'b1', durationMs: 1500 } },
    { id: 'b2', type: 'echo', params: { value: 'b2', durationMs: 2500 } },
    {
      id: 'c',
      type: 'http',
      params: { method: 'POST', url: `${remote}/work`, body: { step: 'c', n: '{{in.n}}' } },
      retry: { maximumAttempts: 10, initialInterval: '500ms' },
    },
    { id: 'd', type: 'echo', params: { value: '{{c.body}}', durationMs: 2000 } },
    { id: 'out', type: 'output', params: { value: '{{d}}' } },
  ],
  edges: [
    { source: 'in', target: 'a' },
    { source: 'a', target: 'b1' },
    { source: 'a', target: 'b2' },
    { source: 'b1', target: 'c' },
    { source: 'b2', target: 'c' },
    { source: 'c', target: 'd' },
    { source: 'd', target: 'out' },
  ],
});

const NUL = (remote: string) => ({
  name: 'chaos-nul',
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'page', type: 'http', params: { url: '{{in.url}}' } },
    { id: 'out', type: 'output', params: { value: { name: '{{in.name}}', body: '{{page.body}}' } } },
  ],
  edges: [
    { source: 'in', target: 'page' },
    { source: 'page', target: 'out' },
  ],
  // The remote's address is passed per run.
  remote,
});

interface Followed {
  runId: string;
  started: number;
  ended?: number;
  terminal?: string;
  events: { id: number; type: string; nodeId?: string; reason?: string; attempt?: number }[];
  gaps: number;
  duplicates: number;
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

  // The remote that http nodes call: counts requests per idempotency key, answers after 200 ms.
  const seen = new Map<string, number>();
  const remoteServer: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/nul')) return void res.end(JSON.stringify({ text: 'x\u0000y' }));
      const key = String(req.headers['idempotency-key'] ?? '');
      seen.set(key, (seen.get(key) ?? 0) + 1);
      setTimeout(() => res.end(JSON.stringify({ ok: true })), 200);
    });
  });
  await new Promise<void>((r) => remoteServer.listen(0, '127.0.0.1', r));
  const remoteHost = `127.0.0.1:${(remoteServer.address() as { port: number }).port}`;
  cleanups.push(() => new Promise((r) => (remoteServer.closeAllConnections(), remoteServer.close(() => r()))));

  try {
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
      HTTP_ALLOW_HOSTS: remoteHost,
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
    for (const def of [LAYERS(`http://${remoteHost}`), NUL(`http://${remoteHost}`)]) {
      const { remote: _remote, ...flow } = def as typeof def & { remote?: string };
      void _remote;
      const res = await fetch(`${base}/api/v1/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(flow),
      });
      if (res.status !== 201) throw new Error(`storing ${def.name}: ${res.status} ${await res.text()}`);
    }

    const { SCENARIOS } = await import('./scenarios.js');
    for (const scenario of SCENARIOS) {
      const runs = scenario.runs[o.profile];
      if (runs === 0 || (o.only && !o.only.some((n) => scenario.name.toLowerCase().includes(n.toLowerCase()))))
        continue;
      const kills = scenario.kills?.[o.profile] ?? 0;
      log(`${scenario.name}: ${scenario.describe({ kills })}, ${runs} runs`);
      if (!worker.current.running) await worker.start();
      if (!api.current.running) await api.start();
      seen.clear();
      const crashesBefore = worker.crashes + api.crashes;
      const apiWhileDown: ScenarioResult['apiWhileDown'] = [];
      const followed: Followed[] = [];
      const inputs = (i: number) =>
        scenario.flow === 'layers'
          ? { n: i }
          : i === 0
            ? { name: 'a\u0000b\ud800c', url: `http://${remoteHost}/ok` }
            : i === 1
              ? { name: 'plain', url: `http://${remoteHost}/nul` }
              : { name: 'clean', url: `http://${remoteHost}/ok` };
      for (let i = 0; i < runs; i++) {
        const res = await fetch(`${base}/api/v1/flows/chaos-${scenario.flow}/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: inputs(i) }),
        });
        if (res.status !== 202) throw new Error(`starting a run: ${res.status} ${await res.text()}`);
        const { runId } = (await res.json()) as { runId: string };
        const f: Followed = { runId, started: Date.now(), events: [], gaps: 0, duplicates: 0 };
        followed.push(f);
      }
      const deadline = Date.now() + (o.profile === 'full' ? 300_000 : 120_000);
      const following = followed.map((f) => follow(base, f, deadline));
      await scenario.inject({
        worker,
        api,
        postgres,
        temporal,
        kills,
        rng,
        sleep,
        nodesRunning: async () => {
          const running = () =>
            followed.some((f) => {
              const started = f.events.filter((e) => e.type === 'node.started' && e.nodeId?.startsWith('b'));
              return (
                started.length > 0 && !f.events.some((e) => e.type === 'node.completed' && e.nodeId?.startsWith('b'))
              );
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
      const ends = followed.map((f) => f.ended ?? Date.now());
      let preserved: number | undefined;
      if (scenario.flow === 'nul') {
        preserved = 0;
        for (const [i, f] of followed.entries()) {
          const run = (await (await fetch(`${base}/api/v1/runs/${f.runId}`)).json()) as {
            outputs?: { out?: { name?: string; body?: string } };
          };
          const body = i === 1 ? JSON.stringify({ text: 'x\u0000y' }) : JSON.stringify({ ok: true });
          if (run.outputs?.out?.name === inputs(i).name && run.outputs?.out?.body === body) preserved += 1;
        }
      }
      const result: ScenarioResult = {
        name: scenario.name,
        fault: scenario.describe({ kills }),
        started: followed.length,
        completed: followed.filter((f) => f.terminal === 'run.completed').length,
        failed: followed.filter((f) => f.terminal === 'run.failed').length,
        stuck: followed.filter((f) => !f.terminal).length,
        nodeExecutions: followed.reduce((n, f) => n + f.events.filter((e) => e.type === 'node.started').length, 0),
        completedReexecuted: followed.reduce((n, f) => n + reexecuted(f.events), 0),
        workerLostRetries: followed.reduce(
          (n, f) => n + f.events.filter((e) => e.type === 'node.retrying' && e.reason === 'worker-lost').length,
          0,
        ),
        httpRepeats: [...seen.values()].reduce((n, c) => n + c - 1, 0),
        streamGaps: followed.reduce((n, f) => n + f.gaps, 0),
        streamDuplicates: followed.reduce((n, f) => n + f.duplicates, 0),
        crashes: worker.crashes + api.crashes - crashesBefore,
        recoverSeconds: Math.max(0, (Math.max(...ends) - faultEnd) / 1000),
        longestRunSeconds: Math.max(...followed.map((f) => ((f.ended ?? Date.now()) - f.started) / 1000)),
        ...(apiWhileDown.length ? { apiWhileDown } : {}),
        ...(preserved !== undefined ? { preserved } : {}),
      };
      log(`  ${JSON.stringify(result)}`);
      for (const slot of [worker, api]) {
        for (const text of slot.crashLogs.splice(0))
          log(`  the ${slot.role} exited on its own; its log ends with:\n${text}`);
      }
      const example = followed.find((f) => reexecuted(f.events) > 0);
      if (example)
        log(
          `  a run with a completed node executed again (${example.runId}): ${example.events.map((e) => `${e.id}:${e.type}${e.nodeId ? `:${e.nodeId}` : ''}${e.reason ? `(${e.reason})` : ''}@${e.attempt ?? ''}`).join(' ')}`,
        );
      results.push(result);
    }
    // Worker start → first poll, measured on a worker restarted alone (no fault, no run in flight).
    const startups: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < (o.profile === 'full' ? 5 : 0); i++) {
      await worker.stop('SIGTERM');
      await worker.start();
      startups.push(...worker.current.startupMs);
      cpu.push(...worker.current.startupCpuMs);
    }
    if (startups.length)
      log(
        `worker start → first poll: ${startups.map((ms) => `${ms} ms`).join(', ')} (CPU time ${cpu.map((ms) => `${ms} ms`).join(', ')}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
      );
    return Object.assign(results, { workerStartupMs: startups, workerStartupCpuMs: cpu, loadAverage: os.loadavg()[0] });
  } finally {
    for (const c of cleanups) await c().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Nodes whose node.started came again after their node.completed. */
function reexecuted(events: Followed['events']): number {
  const done = new Set<string>();
  const again = new Set<string>();
  for (const e of events) {
    if (!e.nodeId) continue;
    if (e.type === 'node.completed') done.add(e.nodeId);
    else if (e.type === 'node.started' && done.has(e.nodeId)) again.add(e.nodeId);
  }
  return again.size;
}

/**
 * Follows a run's stream as a browser's EventSource does: on any error or end without a terminal
 * event it reconnects after a second with Last-Event-ID. Checks that ids go up by exactly one.
 */
async function follow(base: string, f: Followed, deadline: number): Promise<void> {
  let last = 0;
  while (!f.terminal && Date.now() < deadline) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
    try {
      const res = await fetch(`${base}/api/v1/runs/${f.runId}/events`, {
        headers: { accept: 'text/event-stream', ...(last ? { 'last-event-id': String(last) } : {}) },
        signal: controller.signal,
      });
      if (res.status === 200 && res.body) {
        const parse = createSseParser();
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          for (const frame of parse(decoder.decode(chunk, { stream: true }))) {
            if (frame.id === undefined || frame.data === undefined) continue;
            const id = Number(frame.id);
            if (id <= last) f.duplicates += 1;
            else if (id !== last + 1) f.gaps += 1;
            last = Math.max(last, id);
            const data = JSON.parse(frame.data) as { nodeId?: string; reason?: string; attempt?: number };
            f.events.push({
              id,
              type: frame.event ?? '',
              nodeId: data.nodeId,
              reason: data.reason,
              attempt: data.attempt,
            });
            if (frame.event === 'run.completed' || frame.event === 'run.failed' || frame.event === 'run.cancelled') {
              f.terminal = frame.event;
              f.ended = Date.now();
            }
          }
        }
      } else await res.body?.cancel();
    } catch {
      /* the API or the connection went away: reconnect */
    } finally {
      clearTimeout(timer);
    }
    if (!f.terminal) await sleep(1000);
  }
}
