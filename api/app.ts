import express, { type Express, type Response } from 'express';
import helmet from 'helmet';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Client } from '@temporalio/client';
import type { Logger, Sql } from '../infra/index.js';
import { requireApiKey } from './auth.js';
import { checkJsonBody, refuseNul, requireJson, sameOriginOnly } from './fences.js';
import { startRetention } from '../runs/index.js';
import { StreamGate } from './sse.js';
import { EventHub } from '../events/index.js';
import { HttpError, errorMiddleware } from './http-error.js';
import { createRunService, type RunService } from './run-service.js';
import { flowsRouter } from './routers/flows.js';
import { runsRouter, type Replay } from './routers/runs.js';
import { createReplayer } from '../bundle/index.js';
import { openApiDocument } from './openapi.js';
import { webhooksRouter } from './routers/webhooks.js';
import { webRouter } from './web.js';
import { langflowRouter } from './routers/langflow.js';
import { httpMetrics, metricsRouter, routeOf } from './metrics.js';
import { httpTracing } from '../infra/telemetry.js';
import { flowSchedulesRouter, schedulesRouter } from './routers/schedules.js';
import { createScheduleService } from './schedule-service.js';

export interface AppDeps {
  sql: Sql;
  client: Client;
  logger: Logger;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  apiKeys: readonly string[];
  bodyLimit?: string;
  rateLimitPerMinute?: number;
  keepAliveMs?: number;
  /** Open event streams allowed in total (503 beyond) and per key or, without keys, per client address (429). */
  maxStreams?: number;
  maxStreamsPerKey?: number;
  /** Prune events and blobs of runs closed more than this many days ago (0 or unset: keep forever). */
  retentionDays?: number;
  retentionIntervalMs?: number;
  /** Replays a history against the workflow code deployed now (default: bundles ./workflows once). */
  replay?: Replay;
}

export interface App {
  app: Express;
  runs: RunService;
  hub: EventHub;
  /** The event streams open now. */
  streams: ReadonlySet<Response>;
  /** Ends open event streams and the LISTEN connection (the caller owns sql and client). */
  close(): Promise<void>;
}

/** Builds the Express app (no listen), with its one LISTEN connection started. */
export async function createApp(deps: AppDeps): Promise<App> {
  const hub = new EventHub(deps.sql);
  await hub.start();
  const open = new Set<Response>();
  const runs = createRunService({
    sql: deps.sql,
    client: deps.client,
    taskQueue: deps.taskQueue,
    namespace: deps.namespace,
    temporalUiUrl: deps.temporalUiUrl,
  });
  const gate = new StreamGate(deps.maxStreams ?? 1000, deps.maxStreamsPerKey ?? 100);
  const retention = startRetention(deps.sql, deps.logger, deps.retentionDays ?? 0, deps.retentionIntervalMs);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(refuseNul());
  if (deps.apiKeys.length === 0) app.use(sameOriginOnly());
  app.use(httpTracing(routeOf), httpMetrics());
  app.use(metricsRouter(deps.sql, open));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // Names and states only: an error's text can carry addresses and credentials; the log has it.
  app.get('/readyz', async (_req, res) => {
    const state = (component: string) => (err: unknown) => {
      deps.logger.warn({ err, component }, 'readiness check failed');
      return 'unavailable';
    };
    const [postgres, temporal] = await Promise.all([
      deps.sql`SELECT 1`.then(() => 'ok', state('postgres')),
      deps.client.connection.workflowService.getSystemInfo({}).then(() => 'ok', state('temporal')),
    ]);
    res.status(postgres === 'ok' && temporal === 'ok' ? 200 : 503).json({ postgres, temporal });
  });

  const api = express.Router();
  // Limited before authentication (failed keys count too), by the client's address only: a header
  // the client chooses would let it pick a fresh bucket per request.
  api.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute ?? 600,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => ipKeyGenerator(req.socket.remoteAddress ?? '0.0.0.0'),
      handler: (_req, _res, next) =>
        next(new HttpError(429, 'rate_limited', 'too many requests; slow down and retry after the Retry-After delay')),
    }),
  );
  api.use(requireApiKey(deps.apiKeys));
  api.use(requireJson());
  api.use(
    express.json({ limit: deps.bodyLimit ?? '1mb', strict: false, type: ['application/json', 'application/*+json'] }),
  );
  api.use(checkJsonBody());
  const schedules = createScheduleService(deps);
  api.use('/flows', flowSchedulesRouter(schedules));
  api.use('/schedules', schedulesRouter(schedules));
  api.use('/flows', flowsRouter(deps.sql, runs));
  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  api.use('/runs', runsRouter(deps.sql, runs, hub, open, deps.replay ?? createReplayer(), deps.keepAliveMs, gate));
  api.use('/webhooks', webhooksRouter(runs));
  api.use(langflowRouter(deps.sql, runs, hub, open, deps.logger, gate, deps.keepAliveMs));
  api.use((req, _res, next) =>
    next(new HttpError(404, 'not_found', `no route ${req.method} ${req.baseUrl}${req.path}`)),
  );
  app.use('/api/v1', api);
  app.use(webRouter());
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorMiddleware(deps.logger));

  return {
    app,
    runs,
    hub,
    streams: open,
    async close() {
      await retention.stop();
      for (const res of open) res.end();
      open.clear();
      await hub.stop();
    },
  };
}
