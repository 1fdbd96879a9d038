import { CommanderError } from 'commander';
import { parseApiKeys } from '../infra/index.js';
import { createApiClient } from './api-client.js';

/** Exit codes a script can rely on. */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, notDeterministic: 3 } as const;

export const baseUrl = (process.env.TEMPOFLOW_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const apiKey =
  process.env.TEMPOFLOW_API_KEY ??
  parseApiKeys(
    (process.env.API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )[0]?.key;
export const api = createApiClient(baseUrl, apiKey || undefined);
export const print = (value: unknown): void =>
  void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);

/** `--input key=value` pairs: a value is JSON when it parses, else the string. */
export function parseInputs(pairs: string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CommanderError(EXIT.usage, 'usage', `--input expects key=value, got "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    inputs[pair.slice(0, at)] = value;
  }
  return inputs;
}
