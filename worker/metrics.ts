import type { Server } from 'node:http';
import { collectProcessMetrics, serveWorkerMetrics, workerRegistry, type Config, type Logger } from '../infra/index.js';

/**
 * Serves the worker's GET /metrics on WORKER_METRICS_PORT when it is set: Tempoflow's node series
 * and, in the same answer, the Temporal SDK's worker metrics that Runtime.install exports on
 * `sdkMetricsAddress` (loopback only).
 */
export async function startWorkerMetrics(
  config: Pick<Config, 'WORKER_METRICS_PORT' | 'WORKER_METRICS_HOST'>,
  sdkMetricsAddress: string | undefined,
  logger: Logger,
): Promise<Server | undefined> {
  if (config.WORKER_METRICS_PORT === undefined) return undefined;
  collectProcessMetrics(workerRegistry);
  const server = await serveWorkerMetrics(
    config.WORKER_METRICS_PORT,
    config.WORKER_METRICS_HOST,
    sdkMetricsAddress ? `http://${sdkMetricsAddress}/metrics` : undefined,
  ).catch((cause: NodeJS.ErrnoException) => {
    throw new Error(
      cause.code === 'EADDRINUSE'
        ? `WORKER_METRICS_PORT ${config.WORKER_METRICS_PORT} is busy; pick another port or unset it.`
        : cause.message,
      { cause },
    );
  });
  logger.info({ url: `http://${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics` }, 'worker metrics');
  return server;
}
