import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApp, type AppProcess } from '../helpers/processes.js';
import { startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
let worker: AppProcess;

beforeAll(async () => {
  // The API in this process, the worker as `npm run worker` in another: they meet only in
  // Temporal and Postgres, as on two machines.
  stack = await startStack({ name: 'procs', worker: false });
  // Exactly `npm run build:worker && npm run worker`: the prebuilt dist/worker.mjs, as deployed.
  const build = spawnApp(['--import', 'tsx', 'worker/build.ts'], stack.taskQueue);
  if ((await build.exited) !== 0) throw new Error(`npm run build:worker failed: ${build.log()}`);
  // start.mjs falls back to the TypeScript when the build is stale: make sure it will not.
  const stamp = readFileSync(new URL('../../dist/worker.hash', import.meta.url), 'utf8');
  expect(execFileSync(process.execPath, ['worker/start.mjs', '--hash'], { encoding: 'utf8' })).toBe(stamp);
  worker = spawnApp(['worker/start.mjs'], stack.taskQueue);
});
afterAll(async () => {
  await worker?.stop();
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
    expect(worker.log()).toContain('"startupMs"');
    expect(worker.log()).toContain('worker running');
    expect(worker.log()).not.toContain('"level":50');

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.log()).toContain('worker stopped');
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
