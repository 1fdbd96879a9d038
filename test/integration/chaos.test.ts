import { describe, expect, it } from 'vitest';
import { runChaos } from '../../chaos/runner.js';

describe('npm run chaos -- --short', () => {
  it('every run completes through a worker crash loop, a Postgres restart and NUL bytes, with no completed node executed again', async () => {
    const results = await runChaos({ profile: 'short' });
    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    for (const r of results) {
      expect({ name: r.name, completed: r.completed, stuck: r.stuck, reexecuted: r.completedReexecuted }).toEqual({
        name: r.name,
        completed: r.started,
        stuck: 0,
        reexecuted: 0,
      });
      expect({ name: r.name, gaps: r.streamGaps, duplicates: r.streamDuplicates, crashes: r.crashes }).toEqual({
        name: r.name,
        gaps: 0,
        duplicates: 0,
        crashes: 0,
      });
    }
    // The kills hit running nodes, and those attempts were retried as worker-lost.
    expect(by['worker crash loop'].workerLostRetries).toBeGreaterThan(0);
    // While Postgres was away the API answered 503 with a clear code, and no side effect repeated.
    expect(by['Postgres restart'].apiWhileDown?.[0]).toMatchObject({ status: 503, code: 'unavailable', readyz: 503 });
    expect(by['Postgres restart'].httpRepeats).toBe(0);
    expect(by['NUL bytes']).toMatchObject({ completed: 3, preserved: 3 });
  }, 400_000);
});
