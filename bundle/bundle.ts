import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { silentLogger } from '../infra/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The workflow code, by path: nothing here imports it (or the activities). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The workflow interceptors every bundle of Tempoflow's workflows carries (workflows/interceptors.ts). */
export const INTERCEPTORS_PATH = fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url));

/**
 * The workflow bundle of `workflowsPath` (default: Tempoflow's workflows) with Tempoflow's workflow
 * interceptors, as the worker loads it. Takes seconds; the bundler says only what fails.
 */
export async function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [INTERCEPTORS_PATH],
    logger: { ...silentLogger, error: (message: string, meta?: unknown) => console.error(message, meta ?? '') },
  });
}
/** Everything the workflow bundle is built from: its sources and the exact dependency versions. */
const SOURCES = ['workflows', 'flow', 'bundle/bundle.ts', 'package-lock.json'];

/** A hash of the workflow sources: a bundle built from them is valid exactly while it is unchanged. */
export function workflowSourceHash(root = ROOT): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const entry of readdirSync(abs).sort()) walk(path.join(rel, entry));
    } else files.push(rel);
  };
  for (const s of SOURCES) walk(s);
  for (const f of files)
    hash
      .update(f)
      .update('\u0000')
      .update(readFileSync(path.join(root, f)))
      .update('\u0000');
  return hash.digest('hex').slice(0, 16);
}

export interface CachedBundle {
  codePath: string;
  /** True when this call built it (the cache had no bundle for these sources). */
  built: boolean;
}

/**
 * The workflow bundle for the sources on disk, from `<dataDir>/workflow-bundle/<hash>.js`, built
 * and stored there first when missing (`npm run build` does it ahead of time). Building takes
 * seconds; loading a cached one takes milliseconds, so a restarted worker polls at once.
 */
export async function cachedWorkflowBundle(dataDir: string): Promise<CachedBundle> {
  const dir = path.resolve(ROOT, dataDir, 'workflow-bundle');
  const codePath = path.join(dir, `${workflowSourceHash()}.js`);
  if (existsSync(codePath)) return { codePath, built: false };
  const { code } = await bundleWorkflows();
  mkdirSync(dir, { recursive: true });
  // Write then rename: a concurrent starter never reads half a bundle.
  const tmp = `${codePath}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, codePath);
  return { codePath, built: true };
}
