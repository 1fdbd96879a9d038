import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../flow/index.js';
import { temporalAnswers, type Logger } from '../infra/index.js';
import { cachedTemporalCli, onPath, provisionTemporalCli } from './provision.js';
import { stopChild } from './stop-child.js';

/** The search attributes as the `temporal` CLI and `deploy/temporal-setup.sh` name them (`FlowId=Keyword`). */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Int'> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, k.type === 'INT' ? 'Int' : 'Keyword']),
);

/**
 * Dynamic config for every Temporal server Tempoflow starts (dev, tests, bench, chaos), and the same
 * values in deploy/temporal-dynamicconfig.yaml for docker-compose (a unit test keeps them equal):
 * - task priority and fairness for per-node priorities;
 * - the history service's task queue readers: by default each shard reads new transfer tasks at
 *   most 20 times a second, so every workflow or activity task waits up to 50 ms before it is
 *   dispatched (a dev server has one shard): measured 51 ms per step of a chain of no-op
 *   activities, 16 ms with the limit lifted (bench/README "Performance"). The timer reader's 1 s
 *   time shift made every timer (delay nodes, approval timeouts, retry backoff) fire up to 1 s late.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'matching.enableFairness=true',
  'frontend.enableUpdateWorkflowExecution=true',
  'history.transferProcessorMaxPollRPS=1000',
  'history.timerProcessorMaxPollRPS=1000',
  'history.timerProcessorMaxTimeShift="20ms"',
];

export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

export interface DevServerOptions {
  address: string;
  namespace: string;
  cliPath?: string;
  /** SQLite file; in-memory when omitted. */
  dbFile?: string;
  uiPort?: number;
  /** Extra `KEY=VALUE` dynamic config entries (tests pin task queues to one partition). */
  dynamicConfig?: string[];
  logger?: Logger;
}

export interface DevServer {
  address: string;
  /** True when this process started the server (and stop() stops it). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * `TEMPORAL_CLI_PATH`, then `temporal` on PATH, then one provisioned earlier under `.data/`;
 * undefined when none exists (ensureTemporalDevServer then provisions one: dev/provision.ts).
 */
export function findTemporalCli(cliPath?: string): string | undefined {
  if (cliPath) {
    if (!existsSync(cliPath))
      throw new TemporalUnavailableError(`TEMPORAL_CLI_PATH=${cliPath} does not exist; point it at a temporal binary.`);
    return cliPath;
  }
  return onPath('temporal') ?? cachedTemporalCli();
}

/** Registers the Tempoflow search attributes on any server; already-registered ones are fine. */
export async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !customAttributes?.[name]);
    if (missing.length === 0) return;
    const typeIds = { Keyword: 2, Int: 3 } as const; // IndexedValueType
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, typeIds[type]])),
    });
  } finally {
    await connection.close();
  }
}

/**
 * Uses the server at `address` when one answers; otherwise starts `temporal server start-dev` there.
 * Resolves once the namespace answers. The child is killed with its process group on stop().
 */
export async function ensureTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  if (await temporalAnswers(opts.address, opts.namespace)) {
    await registerSearchAttributes(opts.address, opts.namespace);
    opts.logger?.info({ address: opts.address }, 'using the Temporal server that already answers');
    return { address: opts.address, started: false, stop: async () => {} };
  }
  const [host, portText] = splitAddress(opts.address);
  let cli = findTemporalCli(opts.cliPath);
  try {
    cli ??= await provisionTemporalCli();
  } catch (cause) {
    throw new TemporalUnavailableError((cause as Error).message, { cause });
  }

  if (opts.dbFile) mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = ['server', 'start-dev', '--ip', host, '--port', portText, '--namespace', opts.namespace];
  args.push('--log-level', 'error');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', host);
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const kv of [...DEV_SERVER_DYNAMIC_CONFIG, ...(opts.dynamicConfig ?? [])])
    args.push('--dynamic-config-value', kv);

  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // A parent that dies without stop() must not leave the server listening.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const outcome = await Promise.race([exited.then(() => 'exited' as const), sleep(250).then(() => 'tick' as const)]);
    if (outcome === 'exited') {
      const busy = /address already in use|bind/i.test(stderr);
      throw new TemporalUnavailableError(
        busy
          ? `Port ${portText} (or the UI port ${opts.uiPort}) is busy; stop what listens there or set TEMPORAL_ADDRESS to a running Temporal server.`
          : `temporal server start-dev exited: ${lastLine(stderr)}`,
      );
    }
    if (await temporalAnswers(opts.address, opts.namespace, 1000)) break;
    if (Date.now() > deadline) {
      await stopChild(child, 10_000);
      throw new TemporalUnavailableError(`temporal server start-dev did not answer at ${opts.address} within 60 s.`);
    }
  }
  opts.logger?.info(
    { address: opts.address, cli, dbFile: opts.dbFile ?? '(memory)' },
    'started the Temporal dev server',
  );
  return {
    address: opts.address,
    started: true,
    stop: async () => {
      process.off('exit', onExit);
      await stopChild(child, 10_000);
    },
  };
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i) || 'localhost';
  return [host === 'localhost' ? '127.0.0.1' : host, address.slice(i + 1)];
}

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ').slice(0, 500) || '(no output)';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
