import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig, createLogger, checkDatabase, createSql, migrate, fatal, freePort } from '../lib/index.js';
import { startWorkerMetrics } from './metrics.js';
import { tracingFromEnv } from '../lib/telemetry.js';
import { createWorker } from './create-worker.js';

/** `npm run worker`: one worker process, configured only from the environment. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  const sdkMetrics = config.WORKER_METRICS_PORT === undefined ? undefined : `127.0.0.1:${await freePort()}`;
  Runtime.install({
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(sdkMetrics
        ? {
            metrics: {
              prometheus: {
                bindAddress: sdkMetrics,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }
        : {}),
    },
  });
  const metricsServer = await startWorkerMetrics(config, sdkMetrics, logger);
  const sql = createSql(config.databaseUrl, { max: 20 });
  await checkDatabase(sql, config.databaseUrl);
  await migrate(sql);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  } catch (cause) {
    throw new Error(
      `Temporal at ${config.TEMPORAL_ADDRESS} does not answer; start it (npm run dev starts one) or fix TEMPORAL_ADDRESS.`,
      { cause },
    );
  }
  const tracing = tracingFromEnv('tempoflow-worker');
  const worker = await createWorker({
    plugins: tracing?.workerPlugins,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: { sql, logger, httpAllowHosts: config.HTTP_ALLOW_HOSTS, blobThresholdBytes: config.BLOB_THRESHOLD_BYTES },
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_WORKFLOW_TASKS,
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE as never,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS }, 'worker running');
  // Runtime.install's default shutdown signals (SIGINT, SIGTERM) make the worker drain and stop.
  await worker.run();
  metricsServer?.close();
  await tracing?.shutdown();
  await connection.close();
  await sql.end({ timeout: 5 });
  logger.info('worker stopped');
}

main().catch(fatal);
