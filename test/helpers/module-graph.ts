import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * An entry point's module graph as esbuild resolves it (paths relative to the repository root).
 * `packages: 'external'` leaves npm packages out; `'bundle'` follows them too.
 */
export async function moduleGraph(entry: string, packages: 'external' | 'bundle'): Promise<Metafile['inputs']> {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    logLevel: 'silent',
    ...(packages === 'external'
      ? { platform: 'node', packages: 'external' }
      : { platform: 'neutral', mainFields: ['module', 'main'] }),
  });
  return metafile.inputs;
}
