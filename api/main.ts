import type { Server } from 'node:http';
import {
  loadConfig,
  createLogger,
  checkDatabase,
  createSql,
  migrate,
  connectClient,
  fatal,
  ConfigError,
  guardPostgresClosedSocket,
} from '../infra/index.js';
import { Client } from '@temporalio/client';
import { tracingFromEnv } from '../infra/telemetry.js';
import { createApp } from './app.js';
import { isLoopbackHost } from './fences.js';

/** `npm run api`: the HTTP API, configured only from the environment. */
async function main(): Promise<void> {
  const config = loadConfig();
  const host = config.HOST ?? (config.API_KEYS.length ? '0.0.0.0' : '127.0.0.1');
  if (!config.API_KEYS.length && !isLoopbackHost(host))
    throw new ConfigError(
      `HOST=${host} is not a loopback address and API_KEYS is not set; set API_KEYS (name:key,...) or listen on 127.0.0.1.`,
    );
  const logger = createLogger(config, 'api');
  guardPostgresClosedSocket(logger);
  const sql = createSql(config.databaseUrl, { max: 20 });
  await checkDatabase(sql, config.databaseUrl);
  await migrate(sql);
  const connected = await connectClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  const { connection } = connected;
  const tracing = await tracingFromEnv('tempoflow-api');
  const client = tracing
    ? new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: tracing.clientInterceptors })
    : connected.client;
  const app = await createApp({
    sql,
    client,
    logger,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    apiKeys: config.API_KEYS,
    bodyLimit: config.BODY_LIMIT,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    maxStreams: config.SSE_MAX_STREAMS,
    maxStreamsPerKey: config.SSE_MAX_STREAMS_PER_KEY,
    retentionDays: config.RETENTION_DAYS,
  });
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 hands listen errors to this callback too.
    const s = app.app.listen(config.PORT, host, (err?: Error) => {
      if (!err) return resolve(s);
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        code === 'EADDRINUSE' ? new Error(`Port ${config.PORT} is busy; stop what listens there or set PORT.`) : err,
      );
    });
  });
  if (!config.API_KEYS.length)
    logger.warn({ host }, 'API_KEYS is not set: the API listens on loopback only and needs no key');
  logger.info({ url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${config.PORT}` }, 'api listening');

  const stop = async () => {
    logger.info('api stopping');
    server.close();
    await app.close();
    server.closeAllConnections();
    await connection.close();
    await sql.end({ timeout: 5 });
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch(fatal);
