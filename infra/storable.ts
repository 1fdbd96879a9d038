/** The key of a value kept as JSON text because Postgres `jsonb` cannot hold it as it is. */
export const STORED_AS_TEXT = '$tempoflowJson';

/**
 * `jsonb` refuses the NUL character and lone UTF-16 surrogates, which JSON (and JavaScript strings)
 * allow. A value holding either is stored as `{"$tempoflowJson": "<its JSON text>"}`: the text has
 * them as `\u0000` / `\ud800` escapes, which `jsonb` keeps as plain characters. `fromStorable`
 * turns it back, so what was written is what is read, character for character.
 */
export function toStorable<T>(value: T): T | { [STORED_AS_TEXT]: string } {
  const text = JSON.stringify(value);
  // JSON.stringify writes both as escapes; a false positive (an escaped backslash before "u0000") only costs the wrap.
  if (text === undefined || !/\\u0000|\\ud[89a-f]/i.test(text)) return value;
  return { [STORED_AS_TEXT]: text };
}

export function fromStorable<T = unknown>(value: unknown): T {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const text = (value as Record<string, unknown>)[STORED_AS_TEXT];
    if (typeof text === 'string' && Object.keys(value).length === 1) return JSON.parse(text) as T;
  }
  return value as T;
}
