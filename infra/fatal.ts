/** Ends a main with one sentence on stderr (the cause chain only with LOG_LEVEL=debug). */
export function fatal(err: unknown): never {
  const e = err as Error;
  const message = e?.message ?? String(err);
  process.stderr.write(`tempoflow: ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace')
    process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(1);
}
