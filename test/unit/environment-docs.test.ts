import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../infra/config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The variables the README's Environment table lists (its first column). */
function documented(): Set<string> {
  const section = README.slice(
    README.indexOf('## Environment'),
    README.indexOf('\n## ', README.indexOf('## Environment') + 1),
  );
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1]));
}

describe('the README environment table', () => {
  it('lists every variable the configuration reads', () => {
    const listed = documented();
    expect(listed.size).toBeGreaterThan(10);
    expect(Object.keys(configSchema.shape).filter((name) => !listed.has(name))).toEqual([]);
  });
});
