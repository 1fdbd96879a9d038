import { Router, type Request, type RequestHandler, type Response } from 'express';
import { apiMetrics, apiRegistry, collectProcessMetrics, exposition, watchRuns, type Sql } from '../infra/index.js';

/** Times every request by its route template (`/api/v1/runs/:runId`), never by its raw path. */
export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const stop = apiMetrics.httpDuration.startTimer();
    res.once('close', () => stop({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
    next();
  };
}

/** GET /metrics: this API process's registry; run counts are read from Postgres at each scrape. */
export function metricsRouter(sql: Sql, open: Set<Response>): Router {
  collectProcessMetrics(apiRegistry);
  const runs = watchRuns(sql);
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    apiMetrics.sseClients.set(open.size);
    await runs();
    res.type(apiRegistry.contentType).send(await exposition(apiRegistry));
  });
  return router;
}

/** The route template of a request (`/api/v1/runs/:runId`); `unmatched` when no route answered. */
export function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route !== 'string') return 'unmatched';
  // The mount path is what precedes the route's own segments (mounts here have no params).
  const own = route.split('/').filter(Boolean);
  const url = req.originalUrl.split('?')[0].split('/').filter(Boolean);
  return `/${[...url.slice(0, url.length - own.length), ...own].join('/')}`;
}
