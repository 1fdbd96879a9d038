import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
let worker: ChildProcess;
let workerLog = '';

beforeAll(async () => {
  // The API in this process, the worker as `npm run worker` in another: they meet only in
  // Temporal and Postgres, as on two machines.
  stack = await startStack({ name: 'procs', worker: false });
  const env = testEnv();
  // Exactly `npm run build:worker && npm run worker`: the prebuilt dist/worker.mjs, as deployed.
  await new Promise<void>((resolve, reject) =>
    spawn(process.execPath, ['--import', 'tsx', 'worker/build.ts'], { cwd: ROOT, stdio: 'ignore' }).once(
      'exit',
      (code) => (code === 0 ? resolve() : reject(new Error(`npm run build:worker exited ${code}`))),
    ),
  );
  worker = spawn(process.execPath, ['worker/start.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d) => (workerLog += d));
  worker.stderr!.on('data', (d) => (workerLog += d));
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await stack?.stop();
});

describe('npm run worker as its own process', () => {
  it('runs flows whose events reach the API stream through Postgres, and drains on SIGTERM', async () => {
    const name = await stack.createFlow({
      name: uniqueName('procs'),
      nodes: [
        { id: 'a', type: 'echo', params: { value: 1, durationMs: 200 } },
        { id: 'b', type: 'echo', params: { value: 2 } },
        // A JSONata node: the prebuilt worker forks the expression sandbox from dist/.
        { id: 'c', type: 'transform', params: { expression: 'b * 21' } },
      ],
      edges: [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
      ],
    });
    const { runId } = await stack.start(name);
    const events = await readStream(stack.baseUrl, runId);
    expect(events.map((e) => e.event)).toEqual([
      'run.started',
      'node.started',
      'node.completed',
      'node.started',
      'node.completed',
      'node.started',
      'node.completed',
      'run.completed',
    ]);
    const run = await stack.waitForRun(runId, (r) => r.status === 'completed');
    expect(run.nodes.b.output).toBe(2);
    expect(run.nodes.c.output).toBe(42);
    expect(workerLog).toContain('"startupMs"');
    expect(workerLog).toContain('worker running');
    expect(workerLog).not.toContain('"level":50');

    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerLog).toContain('worker stopped');
  });
});

describe('bad configuration', () => {
  const start = (script: string, env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.once('exit', (code) => resolve({ code, stderr }));
    });

  it('stops with one sentence saying what to do: busy port, dead Postgres, invalid variable', async () => {
    const env = testEnv();
    const busy = await new Promise<Server>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = String((busy.address() as { port: number }).port);
    try {
      const api = await start('api/main.ts', {
        DATABASE_URL: env.databaseUrl,
        TEMPORAL_ADDRESS: env.address,
        PORT: port,
      });
      expect(api).toEqual({
        code: 1,
        stderr: `tempoflow: Port ${port} is busy; stop what listens there or set PORT.\n`,
      });
    } finally {
      busy.close();
    }
    const db = await start('worker/main.ts', { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/none' });
    expect(db.code).toBe(1);
    expect(db.stderr).toMatch(
      /^tempoflow: Postgres at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/none does not answer .*fix DATABASE_URL\.\n$/,
    );
    const bad = await start('api/main.ts', { PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tempoflow: Invalid environment: PORT: .* Fix these variables and start again\.\n$/);
  });
});
