/** `{{ root.path }}` anywhere in a string. */
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;
const PATH_PART = /([^.[\]]+)|\[(\d+)\]/g;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const SECRET_REF = /^\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}$/;

/** The NAME of a value that is exactly one `{{secrets.NAME}}` reference, else undefined. */
export function secretRefName(value: string): string | undefined {
  return SECRET_REF.exec(value)?.[1];
}

export interface PlaceholderRef {
  /** The placeholder text without braces, e.g. `page.body.title`. */
  expression: string;
  root: string;
  path: (string | number)[];
}

export function parsePath(expression: string): { root: string; path: (string | number)[] } {
  const parts: (string | number)[] = [];
  for (const m of expression.matchAll(PATH_PART)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1].trim());
  const [root = '', ...path] = parts;
  return { root: String(root), path };
}

/** Every placeholder in a JSON value, with the JSON path of the string that holds it. */
export function findPlaceholders(
  value: unknown,
  at: (string | number)[] = [],
): (PlaceholderRef & { at: (string | number)[] })[] {
  if (typeof value === 'string') {
    return [...value.matchAll(PLACEHOLDER)].map((m) => ({ expression: m[1], ...parsePath(m[1]), at }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findPlaceholders(v, [...at, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findPlaceholders(v, [...at, k]));
  }
  return [];
}

export function getPath(value: unknown, path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || current === undefined) return undefined;
    if (typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/**
 * Looks a placeholder up. Returns `{found: false}` to make the caller stop (for example a value that
 * lives outside workflow history, such as a secret or a stored blob).
 */
export type Lookup = (ref: PlaceholderRef) => { found: true; value: unknown } | { found: false; reason: string };

export class UnresolvableError extends Error {
  override name = 'UnresolvableError';
}

/**
 * Replaces placeholders in a JSON value. A string that is exactly one placeholder takes the value
 * with its JSON type; placeholders inside longer strings are interpolated (objects as JSON).
 */
export function resolvePlaceholders(value: unknown, lookup: Lookup): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookupOrThrow(lookup, whole[1]) ?? null;
    if (!value.includes('{{')) return value;
    return value.replace(PLACEHOLDER, (_, expr: string) => stringify(lookupOrThrow(lookup, expr)));
  }
  if (Array.isArray(value)) return value.map((v) => resolvePlaceholders(v, lookup));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePlaceholders(v, lookup)]));
  }
  return value;
}

function lookupOrThrow(lookup: Lookup, expression: string): unknown {
  const result = lookup({ expression, ...parsePath(expression) });
  if (!result.found) throw new UnresolvableError(result.reason);
  return result.value;
}

export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
