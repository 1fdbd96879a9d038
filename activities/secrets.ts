import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../infra/index.js';
import { OPERATOR_KEY_MESSAGE, OPERATOR_KEY_SECRET } from '../flow/index.js';

export const MISSING_SECRET = 'MissingSecret';
export const SECRET_TOO_SHORT = 'SecretTooShort';

/**
 * Secrets shorter than this are refused when a node reads them: a value of a few characters cannot
 * be masked without garbling every output that happens to contain those characters.
 */
export const MIN_SECRET_LENGTH = 8;

/** Longest error message a node failure carries (masked first, then cut). */
export const MAX_ERROR_LENGTH = 2000;

/**
 * Values of the named secrets: `SECRET_<NAME>` from the environment first, then the secrets table.
 * Only activities call this; the values never return to the workflow.
 */
/**
 * The secrets a flow names, for a node to use: as loadSecrets, but the operator's default model
 * key is not a flow's to name (refused at save time too; this covers flows stored before).
 */
export async function loadFlowSecrets(sql: Sql, names: string[], env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  if (names.includes(OPERATOR_KEY_SECRET)) throw ApplicationFailure.nonRetryable(OPERATOR_KEY_MESSAGE, 'InvalidParams');
  return loadSecrets(sql, names, env);
}

export async function loadSecrets(sql: Sql, names: string[], env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const name of new Set(names)) {
    const fromEnv = env[`SECRET_${name}`];
    if (fromEnv !== undefined) values.set(name, fromEnv);
    else missing.push(name);
  }
  if (missing.length > 0) {
    const rows = await sql<
      { name: string; value: string }[]
    >`SELECT name, value FROM secrets WHERE name = ANY(${missing})`;
    for (const row of rows) values.set(row.name, row.value);
  }
  const unknown = [...new Set(names)].filter((n) => !values.has(n));
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `secret ${unknown.map((n) => `"${n}"`).join(', ')} is not set (env SECRET_${unknown[0]} or the secrets store)`,
      MISSING_SECRET,
    );
  }
  for (const [name, value] of values) {
    if (value.length < MIN_SECRET_LENGTH)
      throw ApplicationFailure.nonRetryable(
        `secret "${name}" has ${value.length} character${value.length === 1 ? '' : 's'}; secrets must have at least ${MIN_SECRET_LENGTH} so they can be masked reliably`,
        SECRET_TOO_SHORT,
      );
  }
  return values;
}

/**
 * The forms of a secret that masking looks for: the value itself, URL-encoded (as a component, as
 * a URL's path encodes it, and as a form/query value), and base64 (standard and URL-safe) at each
 * of the three byte alignments it can have inside a longer base64 text (for example
 * `Basic base64(user:secret)`). Only forms of MIN_SECRET_LENGTH or more.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), ...urlForms(secret)]);
  const bytes = Buffer.from(secret);
  for (let k = 0; k < 3; k++) {
    const n = k + bytes.length;
    const encoded = Buffer.concat([Buffer.alloc(k), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const core = encoded.slice([0, 2, 3][k], n % 3 === 0 ? encoded.length : -1);
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** How a URL writes the secret in its path (WHATWG: `{` → `%7B`, `\\` → `/`) and in a query value. */
function urlForms(secret: string): string[] {
  try {
    const path = new URL(`http://x/${secret}`).pathname.slice(1);
    const query = new URLSearchParams({ s: secret }).toString().slice(2);
    return [path, query];
  } catch {
    return [];
  }
}

/** Every form of every secret, longest first. */
function patterns(secrets: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const s of secrets) if (s.length > 0) for (const f of secretForms(s)) all.add(f);
  return [...all].sort((a, b) => b.length - a.length);
}

function maskString(text: string, list: string[]): string {
  return list.reduce((s, p) => (s.includes(p) ? s.split(p).join('[secret]') : s), text);
}

/** Replaces every form of a secret value in strings (and keys) inside `value`, as CI systems do. */
export function maskSecrets<T>(value: T, secrets: Iterable<string>): T {
  const list = patterns(secrets);
  if (list.length === 0) return value;
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v, list);
    if (Array.isArray(v)) return v.map(mask);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [mask(k) as string, mask(x)]));
    return v;
  };
  return mask(value) as T;
}

/** A message masked first and then cut to `max` characters, so a cut can never expose part of a secret. */
export function safeMessage(text: string, secrets: Iterable<string>, max = MAX_ERROR_LENGTH): string {
  const masked = maskSecrets(text, secrets);
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

export interface StreamMasker {
  /** Takes the next chunk; returns the masked text that can be released now (possibly ""). */
  push(chunk: string): string;
  /** The masked rest, at the end of the stream. */
  end(): string;
}

/**
 * Masks a text that arrives in chunks (llm tokens): it holds back a tail as long as the longest
 * secret form minus one, so a secret split across chunks is still masked whole.
 */
export function createStreamMasker(secrets: Iterable<string>): StreamMasker {
  const list = patterns(secrets);
  const hold = list.length ? list[0].length - 1 : 0;
  let buffer = '';
  return {
    push(chunk) {
      if (list.length === 0) return chunk;
      buffer += chunk;
      let cut = buffer.length - hold;
      if (cut <= 0) return '';
      for (let changed = true; changed;) {
        changed = false;
        for (const p of list) {
          const from = Math.max(0, cut - p.length + 1);
          const at = buffer.indexOf(p, from);
          if (at !== -1 && at < cut && at + p.length > cut) {
            cut = at + p.length;
            changed = true;
          }
        }
      }
      const out = buffer.slice(0, cut);
      buffer = buffer.slice(cut);
      return maskString(out, list);
    },
    end() {
      const out = maskString(buffer, list);
      buffer = '';
      return out;
    },
  };
}
