import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The workflow bundle's module graph, as esbuild sees it (npm packages included). */
async function graph(entry: string): Promise<Metafile['inputs']> {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    format: 'esm',
    logLevel: 'silent',
  });
  return metafile.inputs;
}

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
    const inputs = await graph('workflows/index.ts');
    const loaded = [...loadedAtStart(inputs, 'workflows/index.ts')];
    expect(loaded).toContain('workflows/run-flow.ts');
    expect(loaded).toContain('flow/core.ts');
    expect(
      loaded.filter((f) => /node_modules\/zod\/|^flow\/(schema|validate|node-types|kinds\/index)\.ts$/.test(f)),
    ).toEqual([]);
  });

  it('reaches the validator only through the lazy require that checks resolved placeholders', async () => {
    const inputs = await graph('workflows/index.ts');
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
