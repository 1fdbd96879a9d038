import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureEmbeddedPostgres } from '../dev/embedded-postgres.js';
import { DEV_SERVER_DYNAMIC_CONFIG, findTemporalCli, SEARCH_ATTRIBUTES } from '../dev/temporal-dev-server.js';
import { temporalAnswers } from '../infra/index.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** An embedded Postgres that can be killed (SIGKILL of the postmaster) and started again on its data. */
export async function startPostgres(url: string, dataDir: string) {
  let handle = await ensureEmbeddedPostgres(url, dataDir);
  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url,
    async kill(): Promise<void> {
      const pid = postmasterPid();
      process.kill(pid, 'SIGKILL');
      await until('the postmaster to exit', () => !alive(pid), 10_000);
    },
    async start(): Promise<void> {
      // The killed postmaster's backends notice and exit within moments; until then the data dir is busy.
      for (let i = 0; ; i++) {
        try {
          handle = await ensureEmbeddedPostgres(url, dataDir);
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await sleep(500);
        }
      }
    },
    stop: () => handle.stop(),
  };
}

/** A Temporal dev server on a SQLite file, killed with SIGKILL and started again on the same file. */
export async function startTemporal(address: string, dbFile: string, cliPath?: string) {
  const cli = findTemporalCli(cliPath);
  if (!cli) throw new Error('chaos needs a temporal CLI: set TEMPORAL_CLI_PATH');
  const [host, port] = address.split(':');
  const args = ['server', 'start-dev', '--ip', host, '--port', port, '--namespace', 'default', '--headless'];
  args.push('--log-level', 'error', '--db-filename', dbFile);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const kv of DEV_SERVER_DYNAMIC_CONFIG) args.push('--dynamic-config-value', kv);
  let child: ChildProcess | undefined;
  const start = async () => {
    // Restarting on an existing file: the search attributes are already registered there.
    const argv = existsSync(dbFile)
      ? args.filter((a, i) => a !== '--search-attribute' && args[i - 1] !== '--search-attribute')
      : args;
    child = spawn(cli, argv, { stdio: 'ignore' });
    await until('Temporal to answer', () => temporalAnswers(address, 'default', 1000), 60_000);
  };
  const killChild = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  process.once('exit', () => child?.kill('SIGKILL'));
  return { address, start, kill: () => killChild('SIGKILL'), stop: () => killChild('SIGTERM') };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm run api` or `npm run worker` as a child process, with its log kept and its readiness known. */
export class RoleProcess {
  child?: ChildProcess;
  log = '';
  /** Process start → first poll (worker) or → listening (api), from the process's own log. */
  startupMs: number[] = [];
  /** CPU time the process spent until then. */
  startupCpuMs: number[] = [];
  constructor(
    readonly role: 'api' | 'worker',
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Spawns the process; resolves once it is ready (the worker polls, the API listens), or when `wait` is false at once. */
  async start(wait = true): Promise<void> {
    // As `npm run worker` / `npm run api` run them.
    const argv =
      this.role === 'worker'
        ? [path.join(ROOT, 'worker', 'start.mjs')]
        : ['--import', 'tsx', path.join(ROOT, 'api', 'main.ts')];
    const child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env: { ...process.env, ...this.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const marker = this.role === 'worker' ? 'worker running' : 'api listening';
    const ready = new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        this.log = (this.log + d.toString()).slice(-200_000);
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.includes(marker)) continue;
          const { startupMs, cpuMs } = JSON.parse(line) as { startupMs?: number; cpuMs?: number };
          if (startupMs !== undefined) this.startupMs.push(startupMs);
          if (cpuMs !== undefined) this.startupCpuMs.push(cpuMs);
          resolve();
        }
      });
      child.stderr!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-200_000)));
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.role} exited (${code ?? signal}) before it was ready`)),
      );
    });
    ready.catch(() => {});
    if (wait) await ready;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit (SIGTERM: a graceful drain). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const c = this.child;
    if (!c || !this.running) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill(signal);
    return exited;
  }
}
