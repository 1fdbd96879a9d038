import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { moduleGraph } from '../helpers/module-graph.js';

/** Modules evaluated when the entry loads: static imports only, not `require` calls made later. */
function loadedAtStart(inputs: Metafile['inputs'], entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return seen;
}

// Each cached workflow instantiates every module it loads; zod and the flow schemas cost ~1.4 MiB
// per cached run (README, Performance: 1,000 waiting runs).
describe('the workflow bundle', () => {
  it('does not load zod or the flow schemas when a workflow starts', async () => {
    const inputs = await moduleGraph('workflows/index.ts', 'bundle');
    const loaded = [...loadedAtStart(inputs, 'workflows/index.ts')];
    expect(loaded).toContain('workflows/run-flow.ts');
    expect(loaded).toContain('flow/core.ts');
    expect(
      loaded.filter((f) => /node_modules\/zod\/|^flow\/(schema|validate|node-types|kinds\/index)\.ts$/.test(f)),
    ).toEqual([]);
  });

  it('reaches the validator only through the lazy require that checks resolved placeholders', async () => {
    const inputs = await moduleGraph('workflows/index.ts', 'bundle');
    const lazy = Object.entries(inputs)
      .filter(([from]) => from.startsWith('workflows/'))
      .flatMap(([from, { imports }]) =>
        imports
          .filter((i) => i.path.startsWith('flow/') && i.path !== 'flow/core.ts')
          .map((i) => `${from} ${i.path} ${i.kind}`),
      );
    expect(lazy).toEqual(['workflows/node-context.ts flow/validate.ts require-call']);
  });
});
