import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromStorable, toStorable } from '../../infra/storable.js';

/** What jsonb refuses in a JSON text: a \u0000 escape or an escaped lone surrogate. */
const refusedByJsonb = (text: string) =>
  /(?<!\\)(\\\\)*\\u0000/i.test(text) ||
  /(?<!\\)(\\\\)*\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i.test(text) ||
  /(?<!\\ud[89ab][0-9a-f]{2})(?<!\\)(\\\\)*\\ud[c-f][0-9a-f]{2}/i.test(text);

describe('toStorable / fromStorable', () => {
  it('round-trips any JSON value, NUL and lone surrogates included, through JSON text jsonb accepts', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '\u0000', '\ud800', '\udc00', '\\', 'u', '0', '"') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(text, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const stored = JSON.stringify(toStorable(value));
        expect(refusedByJsonb(stored)).toBe(false);
        expect(fromStorable(JSON.parse(stored))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves ordinary values as they are', () => {
    expect(toStorable({ a: 'b', n: [1, 'ü'] })).toEqual({ a: 'b', n: [1, 'ü'] });
    expect(toStorable({ name: 'a\u0000b' })).toEqual({ $tempoflowJson: '{"name":"a\\u0000b"}' });
  });
});
