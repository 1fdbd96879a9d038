import { RoleProcess } from './services.js';

/** The worker or API process of the chaos stack; `detach` hands over the current process (for a graceful swap). */
export class RoleSlot {
  current: RoleProcess;
  crashes = 0;
  /** The end of the log of each process that exited on its own. */
  crashLogs: string[] = [];
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
