import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every Tempoflow source file an entry point loads, transitively (npm packages left out). */
async function reachable(entry: string): Promise<string[]> {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs).sort();
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
