import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const WEB = path.join(ROOT, 'web');
const HASH_FILE = '.source-hash';

/** A hash of everything the page is built from: web/ (not its output), the lockfile and this builder. */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'dist' || name === 'node_modules' || name.startsWith('.')) continue;
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else hash.update(`${path.relative(WEB, file)}\0`).update(readFileSync(file));
    }
  };
  walk(WEB);
  hash.update(readFileSync(path.join(ROOT, 'package-lock.json')));
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  return hash.digest('hex');
}

/**
 * Builds web/ into `outDir` (default web/dist) with Vite, unless the output was already built from
 * the same sources. Builds into a fresh folder and swaps it in, so a server never sees half a build.
 * Returns whether it built.
 */
export async function buildWeb(options: { force?: boolean; outDir?: string } = {}): Promise<boolean> {
  const outDir = options.outDir ?? path.join(WEB, 'dist');
  const hash = webSourceHash();
  const hashFile = path.join(outDir, HASH_FILE);
  if (!options.force && existsSync(hashFile) && readFileSync(hashFile, 'utf8') === hash) return false;
  const { build } = await import('vite');
  const { default: react } = await import('@vitejs/plugin-react');
  const tmp = `${outDir}.tmp-${process.pid}`;
  await build({
    root: WEB,
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: tmp, emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  });
  writeFileSync(path.join(tmp, HASH_FILE), hash);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return true;
}

// `npm run build`: always builds.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildWeb({ force: true });
  process.stdout.write(`web page built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
