import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { fatal, loadConfig } from '../infra/index.js';
import { cachedWorkflowBundle } from '../bundle/index.js';

const at = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

/**
 * `npm run build`: builds the workflow bundle into the cache `npm run worker` loads, and the worker
 * itself as one JavaScript file (dist/worker.mjs, dependencies left in node_modules) stamped with
 * the hash of its sources, which worker/start.mjs runs instead of the TypeScript while it matches.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const startedWorker = Date.now();
  // Chunk names carry hashes: start from an empty dist/ so no stale chunk stays beside the new ones.
  rmSync(at('../dist'), { recursive: true, force: true });
  mkdirSync(at('../dist'), { recursive: true });
  // dist/ is one level deep like worker/, infra/ and bundle/, so their import.meta.url-relative paths still hold.
  await build({
    // The expression sandbox forks its child from the file beside the code that runs it.
    entryPoints: { worker: at('./main.ts'), 'expression-process': at('../activities/expression-process.ts') },
    // Code loaded only on demand (the OpenTelemetry SDK, when tracing is on) goes in chunks of its
    // own beside worker.mjs, so its imports are not hoisted into the worker's start.
    outdir: at('../dist'),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'worker-[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  writeFileSync(at('../dist/worker.hash'), execFileSync(process.execPath, [at('./start.mjs'), '--hash']));
  process.stdout.write(`built ${at('../dist/worker.mjs')} in ${((Date.now() - startedWorker) / 1000).toFixed(1)} s\n`);
  const started = Date.now();
  const { codePath, built } = await cachedWorkflowBundle(config.DATA_DIR);
  process.stdout.write(
    `${built ? 'built' : 'up to date:'} ${codePath}${built ? ` in ${((Date.now() - started) / 1000).toFixed(1)} s` : ''}\n`,
  );
}

main().catch(fatal);
