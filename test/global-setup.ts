import { startScratchServices } from '../dev/services.js';
import { cachedWorkflowBundle } from '../bundle/index.js';
import { ensurePrerequisites } from './helpers/prerequisites.js';

/**
 * Starts one Postgres (embedded unless TEST_DATABASE_URL is set) and one Temporal dev server for
 * the whole suite, and bundles the workflow code once (or reuses the bundle cached for these sources). Test files read them from the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await ensurePrerequisites();
  const services = await startScratchServices({
    prefix: 'tempoflow-test',
    database: 'tempoflow_test',
    databaseUrl: process.env.TEST_DATABASE_URL,
    cliPath: process.env.TEMPORAL_CLI_PATH,
    ui: true,
    // One partition per task queue, so priority order is observable.
    dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
  });
  try {
    // The same cache `npm run worker` uses (.data/workflow-bundle/<hash of the sources>.js).
    process.env.TEST_WORKFLOW_BUNDLE = (await cachedWorkflowBundle(process.env.DATA_DIR ?? '.data')).codePath;
  } catch (err) {
    await services.stop();
    throw err;
  }
  process.env.TEST_DATABASE_URL_RESOLVED = services.databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = services.temporalAddress;
  process.env.TEST_TEMPORAL_UI_URL = services.temporalUiUrl;
  return services.stop;
}
