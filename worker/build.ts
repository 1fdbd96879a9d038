import { fatal, loadConfig } from '../lib/index.js';
import { cachedWorkflowBundle } from './bundle.js';

/** `npm run build`: builds the workflow bundle into the cache that `npm run worker` loads. */
async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  const { codePath, built } = await cachedWorkflowBundle(config.DATA_DIR);
  process.stdout.write(
    `${built ? 'built' : 'up to date:'} ${codePath}${built ? ` in ${((Date.now() - started) / 1000).toFixed(1)} s` : ''}\n`,
  );
}

main().catch(fatal);
