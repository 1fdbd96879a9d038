import type { Logger } from './logger.js';

/**
 * postgres@3.4 (porsager/postgres#1154, #1208) can write to a connection that has just closed from
 * a `setImmediate`, throwing `Cannot read properties of null (reading 'write')` where no caller can
 * catch it: a Postgres restart then kills the process. The query it belonged to was already
 * rejected (CONNECTION_CLOSED) and is retried by its caller, so this one exception is logged and
 * the process goes on; every other uncaught exception still ends the process as Node would.
 */
export function guardPostgresClosedSocket(logger: Logger): void {
  process.on('uncaughtException', (err: Error) => {
    if (isClosedSocketWrite(err)) {
      logger.warn({ err: err.message }, 'postgres: a write on a closed connection was skipped');
      return;
    }
    process.stderr.write(`${(err as Error | undefined)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}

export function isClosedSocketWrite(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /reading 'write'/.test(err.message) &&
    /nextWrite/.test(err.stack ?? '') &&
    /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '')
  );
}
