import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../dev/stop-child.js';
import { freePort } from '../infra/index.js';
import type { Bench } from './harness.js';
import { round } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** `npm run api` as its own process on the bench's services, so its memory is its own. */
export interface ApiProcess {
  base: string;
  child: ChildProcess;
  /** VmRSS in MiB, from /proc (undefined where there is none). */
  rss(): number | undefined;
  stop(): Promise<void>;
}

export async function startApi(bench: Bench, label: string): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: bench.services.databaseUrl,
      TEMPORAL_ADDRESS: bench.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: bench.services.taskQueue,
      HOST: '127.0.0.1',
      PORT: String(port),
      API_KEYS: '',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Every client comes from 127.0.0.1 here; in use they would come from many addresses or keys.
      SSE_MAX_STREAMS_PER_KEY: '100000',
      SSE_MAX_STREAMS: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const api: ApiProcess = {
    base,
    child,
    rss() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb ? round(Number(kb) / 1024) : undefined;
      } catch {
        return undefined;
      }
    },
    stop: () => stopChild(child, 10_000),
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${label}: the API exited (${child.exitCode}): ${log}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return api;
    if (i > 600) {
      await api.stop();
      throw new Error(`${label}: the API did not answer /healthz within 60 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
