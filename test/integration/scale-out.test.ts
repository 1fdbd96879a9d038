import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, freePort, type Sql } from '../../infra/index.js';
import { readStream } from '../helpers/sse.js';
import { spawnApp, type AppProcess } from '../helpers/processes.js';
import { testEnv, uniqueName } from '../helpers/stack.js';

const taskQueue = `scale-${randomUUID().slice(0, 8)}`;
const children: { name: string; app: AppProcess }[] = [];
const apis: string[] = [];
const workerMetrics: string[] = [];
let sql: Sql;

/** `npm run api` / `npm run worker` as production runs them: one process each, configured by env. */
function start(name: string, script: 'api/main.ts' | 'worker/main.ts', env: Record<string, string>) {
  const entry = { name, app: spawnApp(['--import', 'tsx', script], taskQueue, env) };
  children.push(entry);
  return entry.app;
}

beforeAll(async () => {
  sql = createSql(testEnv().databaseUrl, { max: 2 });
  for (const name of ['api-a', 'api-b']) {
    const port = await freePort();
    start(name, 'api/main.ts', { PORT: String(port) });
    apis.push(`http://127.0.0.1:${port}`);
  }
  const workers: AppProcess[] = [];
  for (const name of ['worker-1', 'worker-2', 'worker-3']) {
    const port = await freePort();
    workers.push(
      start(name, 'worker/main.ts', { WORKER_METRICS_PORT: String(port), WORKER_METRICS_HOST: '127.0.0.1' }),
    );
    workerMetrics.push(`http://127.0.0.1:${port}/metrics`);
  }
  const all = () =>
    children.map((c) => `--- ${c.name} (exit ${c.app.child.exitCode})\n${c.app.log().slice(-2000)}`).join('\n');
  await until(async () => {
    if (children.some((c) => c.app.child.exitCode !== null)) throw new Error(`a process exited:\n${all()}`);
    const ready = await Promise.all(
      apis.map((a) =>
        fetch(`${a}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    return ready.every(Boolean) && workers.every((w) => w.log().includes('worker running'));
  }, 150_000);
}, 180_000);
afterAll(async () => {
  await Promise.all(children.map(({ app }) => app.stop()));
  await sql?.end();
});

describe('two API replicas and three workers, as processes, on one Temporal and one Postgres', () => {
  it('a run started through replica A streams through replica B with no gap, and its nodes spread over the workers', async () => {
    const [a, b] = apis;
    const width = 24;
    const def = {
      name: uniqueName('wide'),
      nodes: [
        { id: 'in', type: 'input' },
        ...Array.from({ length: width }, (_, i) => ({
          id: `n${i}`,
          type: 'echo',
          params: { value: i, durationMs: 400 },
        })),
      ],
      edges: Array.from({ length: width }, (_, i) => ({ source: 'in', target: `n${i}` })),
    };
    const created = await fetch(`${a}/api/v1/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(def),
    });
    expect(created.status).toBe(201);
    const attemptsBefore = await Promise.all(workerMetrics.map(nodeAttempts));

    const started = await fetch(`${a}/api/v1/flows/${def.name}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };

    // The first events through A, then the rest through B from where A stopped.
    const first = await readStream(a, runId, { stopAfter: 3 });
    const rest = await readStream(b, runId, { lastEventId: first.at(-1)!.id });
    const events = [...first, ...rest];
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.event).toBe('run.completed');
    const [{ n }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM run_events WHERE run_id = ${runId}`;
    expect(events.length).toBe(n);
    // And B alone, from the start, tells the same story.
    expect((await readStream(b, runId)).map((e) => e.id)).toEqual(events.map((e) => e.id));

    const done = (await (await fetch(`${b}/api/v1/runs/${runId}`)).json()) as { status: string };
    expect(done.status).toBe('completed');
    const attempts = (await Promise.all(workerMetrics.map(nodeAttempts))).map((v, i) => v - attemptsBefore[i]);
    expect(attempts.reduce((x, y) => x + y, 0)).toBe(width);
    // Every worker ran some of the run's nodes.
    for (const count of attempts) expect(count, `echo attempts per worker: ${attempts.join(', ')}`).toBeGreaterThan(0);
  });
});

async function nodeAttempts(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('tempoflow_node_attempts_total{type="echo",outcome="completed"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${timeoutMs / 1000} s`);
}
