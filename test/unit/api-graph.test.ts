import { describe, expect, it } from 'vitest';
import { moduleGraph } from '../helpers/module-graph.js';

/** Every Tempoflow source file an entry point loads, transitively (npm packages left out). */
async function reachable(entry: string): Promise<string[]> {
  return Object.keys(await moduleGraph(entry, 'external')).sort();
}

describe('the API stands alone', () => {
  it('api/main.ts loads no activity and no worker module', async () => {
    const files = await reachable('api/main.ts');
    expect(files).toContain('api/app.ts');
    expect(files.filter((f) => /^(activities|worker|workflows)\//.test(f))).toEqual([]);
  });

  it('the CLI loads neither, even for a local replay', async () => {
    const files = await reachable('cli/main.ts');
    expect(files).toContain('cli/main.ts');
    expect(files).toContain('bundle/index.ts');
    expect(files.filter((f) => /^(activities|worker|workflows)\//.test(f))).toEqual([]);
  });
});
