import { describe, expect, it } from 'vitest';
import { CHANGES, ENGINES } from '../../workflows/engine.js';

describe('workflows/engine.ts', () => {
  it('has a newest engine that covers every change, and engines newest first with distinct ids', () => {
    // A change the newest engine does not cover would record its own marker again in every run.
    expect(ENGINES[0].through).toBe(CHANGES.at(-1));
    const reach = ENGINES.map((e) => CHANGES.indexOf(e.through));
    expect([...reach].sort((a, b) => b - a)).toEqual(reach);
    expect(new Set(ENGINES.map((e) => e.id)).size).toBe(ENGINES.length);
  });
});
