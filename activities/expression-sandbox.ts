import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/activity';
import type { EvaluateAnswer, EvaluateRequest } from './expression-process.js';

export const EXPRESSION_FAILED = 'ExpressionFailed';

export interface SandboxOptions {
  /** Child processes evaluating at once. */
  size: number;
  /** JSONata's own time limit, checked between evaluation steps. */
  timeoutMs: number;
  /** The process is killed this long after a request was sent, whatever it is doing (a regex, a huge string). */
  hardTimeoutMs: number;
  /** Heap of each process (`--max-old-space-size`). */
  memoryMb: number;
  /** JSONata's nesting limit. */
  stack: number;
  /** Largest result, as JSON characters. */
  maxResultChars: number;
}

export const SANDBOX_DEFAULTS: SandboxOptions = {
  size: 2,
  timeoutMs: 2000,
  hardTimeoutMs: 3000,
  memoryMb: 256,
  stack: 300,
  maxResultChars: 16 * 1024 * 1024,
};

interface Job {
  request: EvaluateRequest;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** Why we killed it (the job's error), when we did. */
  killedFor?: string;
}

function failure(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, EXPRESSION_FAILED);
}

/**
 * Evaluates JSONata in a small pool of child processes. Each has its own heap limit and is killed
 * (SIGKILL) on a hard timeout; a killed or crashed process is replaced at once. A hostile
 * expression (a catastrophic regex, a string of hundreds of MB) fails its own request with a clear
 * error; the worker process and every other evaluation go on. (Worker threads were tried first:
 * one allocation far past a thread's `resourceLimits` aborts the whole process, see README.)
 */
export class ExpressionSandbox {
  private readonly o: SandboxOptions;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Processes in a row that exited before they were ready. */
  private failedStarts = 0;

  constructor(options: Partial<SandboxOptions> = {}) {
    this.o = { ...SANDBOX_DEFAULTS, ...options };
  }

  evaluate(expression: string, data: unknown, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('expression sandbox is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = {
        request: {
          id: this.nextId++,
          expression,
          data,
          timeout: this.o.timeoutMs,
          stack: this.o.stack,
          maxResultChars: this.o.maxResultChars,
        },
        resolve,
        reject,
        signal,
      };
      if (signal?.aborted) return reject(signal.reason);
      job.onAbort = () => this.abort(job);
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Starts the processes now, so the first expression does not wait for one to boot. */
  warm(): this {
    while (!this.closed && this.slots.size < this.o.size) this.spawn();
    return this;
  }

  /** Stops every process (pending evaluations fail). */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new Error('expression sandbox closed'));
    for (const slot of this.slots) this.kill(slot, 'the expression sandbox closed');
  }

  private dispatch(): void {
    if (this.closed) return;
    // Processes start for waiting work only (warm() starts them ahead): an idle pool whose processes
    // died stays empty instead of respawning in a loop.
    while (this.slots.size < this.o.size && this.queue.length > this.idleSlots()) this.spawn();
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || slot.killedFor) continue;
      const job = this.queue.shift();
      if (!job) break;
      slot.job = job;
      slot.timer = setTimeout(
        () =>
          this.kill(
            slot,
            `stopped after ${this.o.hardTimeoutMs} ms (it blocked evaluation, e.g. a regex or a huge value)`,
          ),
        this.o.hardTimeoutMs,
      );
      hold(slot.child, true);
      slot.child.send(job.request);
    }
    // Waiting jobs keep starting processes referenced; idle processes never keep the worker alive.
    for (const slot of this.slots) if (!slot.job) hold(slot.child, this.queue.length > 0);
  }

  private idleSlots(): number {
    let n = 0;
    for (const slot of this.slots) if (!slot.job && !slot.killedFor) n++;
    return n;
  }

  private spawn(): void {
    const child = fork(ENTRY, [], {
      execArgv: [...LOADER, `--max-old-space-size=${this.o.memoryMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      // Nothing of the worker's environment (SECRET_*, DATABASE_URL): an expression has no use for it.
      env: {},
    });
    const slot: Slot = { child, ready: false };
    this.slots.add(slot);
    hold(child, this.queue.length > 0);
    child.on('message', (message: EvaluateAnswer | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
        this.failedStarts = 0;
        return this.dispatch();
      }
      const job = slot.job;
      if (!job || job.request.id !== message.id) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      hold(child, false);
      if (message.ok) this.settle(job, undefined, JSON.parse(message.json));
      else this.settle(job, failure(describe(message, this.o)));
      this.dispatch();
    });
    child.on('error', () => this.kill(slot, 'the expression process failed'));
    child.on('exit', (code, signal) => {
      clearTimeout(slot.timer);
      this.slots.delete(slot);
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        const why =
          slot.killedFor ??
          (signal === 'SIGABRT' || code === 134 || code === 133
            ? `ran out of memory (an expression may use ${this.o.memoryMb} MB)`
            : `the expression process exited (${signal ?? code})`);
        this.settle(job, failure(`JSONata: ${why}`));
      }
      if (!slot.ready && !slot.killedFor && ++this.failedStarts >= MAX_FAILED_STARTS) {
        // The process cannot start at all: fail what waits rather than spawn without end.
        this.failedStarts = 0;
        for (const waiting of this.queue.splice(0))
          this.settle(waiting, failure(`JSONata: the expression process could not start (${signal ?? code})`));
        return;
      }
      // Replace a process we killed or that died at work; an idle one killed from outside (Ctrl-C
      // reaches the whole process group) is replaced only when work arrives.
      if (!this.closed && (slot.killedFor || job)) this.spawn();
      this.dispatch();
    });
  }

  private kill(slot: Slot, why: string): void {
    slot.killedFor ??= why;
    slot.child.kill('SIGKILL');
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      return this.settle(job, job.signal?.reason ?? new Error('aborted'));
    }
    for (const slot of this.slots) if (slot.job === job) this.kill(slot, 'cancelled');
  }

  private settle(job: Job, err: unknown, value?: unknown): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (err) job.reject(err);
    else job.resolve(value);
  }
}

/** An idle process must not keep the worker alive; a busy one must (its caller awaits it). */
function hold(child: ChildProcess, busy: boolean): void {
  const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined;
  if (busy) {
    child.ref();
    channel?.ref?.();
  } else {
    child.unref();
    channel?.unref?.();
  }
}

function describe(answer: Extract<EvaluateAnswer, { ok: false }>, o: SandboxOptions): string {
  const why =
    answer.code === 'D1012'
      ? `ran longer than ${o.timeoutMs} ms`
      : answer.code === 'D1011'
        ? `nested deeper than ${o.stack}`
        : answer.message;
  return `JSONata ${answer.code ?? 'error'}: ${why}`;
}

const here = import.meta.url;
/** Beside this code: the TypeScript source, or dist/expression-process.mjs in the prebuilt worker. */
const ENTRY = fileURLToPath(new URL(`./expression-process${path.extname(new URL(here).pathname)}`, here));
/** The child runs the TypeScript source through tsx, as the worker itself does. */
const LOADER = ENTRY.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(here).resolve('tsx')).href] : [];

/** Processes in a row that may die before they are ready before waiting work fails. */
const MAX_FAILED_STARTS = 3;

let shared: ExpressionSandbox | undefined;

/** The sandbox of this process, started on first use. */
export function expressionSandbox(): ExpressionSandbox {
  return (shared ??= new ExpressionSandbox());
}
