import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import {
  loadConfig,
  createLogger,
  checkDatabase,
  createSql,
  migrate,
  fatal,
  freePort,
  guardPostgresClosedSocket,
  temporalUnavailable,
} from '../infra/index.js';
import { cachedWorkflowBundle } from '../bundle/index.js';
import { startWorkerMetrics } from './metrics.js';
import { tracingFromEnv } from '../infra/telemetry.js';
import { createWorker } from './create-worker.js';

/** `npm run worker`: one worker process, configured only from the environment. */
async function main(): Promise<void> {
  const importedMs = Math.round(performance.now());
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  guardPostgresClosedSocket(logger);
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
  // Independent steps, at once: a restarted worker should poll as soon as it can. Failures are
  // reported in a fixed order (Postgres, Temporal, bundle), whichever came first.
  const [db, temporal, built] = await Promise.allSettled([
    checkDatabase(sql, config.databaseUrl).then(() => migrate(sql)),
    NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }),
    cachedWorkflowBundle(config.DATA_DIR),
  ]);
  if (db.status === 'rejected') throw db.reason;
  if (temporal.status === 'rejected') throw temporalUnavailable(config.TEMPORAL_ADDRESS, temporal.reason);
  if (built.status === 'rejected') throw built.reason;
  const connection = temporal.value;
  const bundle = built.value;
  const connectedMs = Math.round(performance.now());
  if (bundle.built)
    logger.info({ bundle: bundle.codePath }, 'built the workflow bundle (npm run build does it ahead of time)');
  const tracing = await tracingFromEnv('tempoflow-worker');
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
    earlyEvents: config.WORKER_EARLY_EVENTS,
    workflowStackTraces: config.WORKER_WORKFLOW_STACK_TRACES,
    workflowBundle: { codePath: bundle.codePath },
  });
  // Runtime.install's default shutdown signals (SIGINT, SIGTERM) make the worker drain and stop.
  const running = worker.run();
  // performance.now() counts from the process start: this is start → first poll.
  logger.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      address: config.TEMPORAL_ADDRESS,
      startupMs: Math.round(performance.now()),
      stagesMs: { imported: importedMs, connected: connectedMs },
      // Off by default (the Temporal UI's Stack Trace tab then says they are not enabled).
      workflowStackTraces: config.WORKER_WORKFLOW_STACK_TRACES,
      // CPU time spent to get here: what the start costs on a machine with a core to spare.
      cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    },
    'worker running',
  );
  await running;
  metricsServer?.close();
  await tracing?.shutdown();
  await connection.close();
  await sql.end({ timeout: 5 });
  logger.info('worker stopped');
}

main().catch(fatal);
