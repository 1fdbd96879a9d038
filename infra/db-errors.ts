/** Postgres (or the network to it) is away for now: the same statement may succeed later. */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|CONNECTION_|CONNECT_TIMEOUT)/.test(
      code,
    ) ||
    // Class 08 connection exception, 57P0x shutdown / cannot connect now, 53 insufficient resources, 40 serialization.
    /^(08|57P0|53|40)/.test(code)
  );
}
