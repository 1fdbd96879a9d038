import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateFlow } from '../../flow/index.js';
import { checkJsonata } from '../../flow/expression-check.js';

const dir = new URL('../../examples/', import.meta.url);

describe('examples/', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.json')))('%s is a valid flow named after its file', (file) => {
    const def = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    expect(validateFlow(def, { checkExpression: checkJsonata }).problems).toEqual([]);
    expect(`${def.name}.json`).toBe(file);
  });
});
