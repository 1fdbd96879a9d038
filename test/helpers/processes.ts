import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testEnv } from './stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A Tempoflow process (`npm run worker`, `npm run api`, …) started the way production starts it. */
export interface AppProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  log(): string;
  /** Resolves once its log contains `text`; rejects, with the log, if it exits first. */
  logged(text: string): Promise<void>;
  /** Its exit code, once it exits. */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) unless it has exited, and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `args` (after `node`) from the repository root, configured only by environment variables:
 * the test Postgres and Temporal, `taskQueue`, JSON logs, plus `env`.
 */
export function spawnApp(args: string[], taskQueue: string, env: Record<string, string> = {}): AppProcess {
  const { databaseUrl, address } = testEnv();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    log: () => log,
    logged: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!log.includes(text)) return;
          child.stdout!.off('data', check);
          resolve();
        };
        child.stdout!.on('data', check);
        check();
        void exited.then((code) => reject(new Error(`exited (${code}) before logging "${text}": ${log}`)));
      }),
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `npm run worker` through tsx (the TypeScript sources of this checkout). */
export const spawnWorker = (taskQueue: string, env: Record<string, string> = {}) =>
  spawnApp(['--import', 'tsx', 'worker/main.ts'], taskQueue, env);
