// `npm run worker`: runs dist/worker.mjs (built by `npm run build`) when it was built from the
// sources on disk now, else worker/main.ts through tsx. The prebuilt file skips TypeScript
// loading, which is about half of a worker's start. Plain JavaScript: it runs before tsx is loaded.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUILT = path.join(ROOT, 'dist', 'worker.mjs');
const STAMP = path.join(ROOT, 'dist', 'worker.hash');
/** Everything dist/worker.mjs is built from. */
const SOURCES = [
  'activities',
  'flow',
  'infra',
  'events',
  'runs',
  'bundle',
  'worker',
  'workflows',
  'db',
  'package-lock.json',
];

function sourceHash() {
  const hash = createHash('sha256');
  const walk = (rel) => {
    const abs = path.join(ROOT, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) for (const entry of readdirSync(abs).sort()) walk(path.join(rel, entry));
    else hash.update(rel).update('\u0000').update(readFileSync(abs)).update('\u0000');
  };
  for (const s of SOURCES) walk(s);
  return hash.digest('hex').slice(0, 16);
}

if (process.argv.includes('--hash')) {
  process.stdout.write(sourceHash());
} else if (existsSync(BUILT) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === sourceHash()) {
  await import(pathToFileURL(BUILT).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
