import { Router, type Response } from 'express';
import type { Sql } from '../../lib/index.js';
import type { EventHub } from '../event-hub.js';
import { notFound } from '../http-error.js';
import type { RunService } from '../run-service.js';
import type { ReplayResult } from '../../worker/index.js';

export type Replay = (historyJson: string, workflowId: string) => Promise<ReplayResult>;
import { streamRunEvents } from '../sse.js';
import { parseBody } from '../validation.js';
import { approvalSchema, listRunsSchema, rerunSchema } from '../schemas.js';

export function runsRouter(
  sql: Sql,
  runs: RunService,
  hub: EventHub,
  open: Set<Response>,
  replay: Replay,
  keepAliveMs?: number,
): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.json(await runs.list(parseBody(listRunsSchema, req.query, 'query')));
  });

  router.get('/:runId', async (req, res) => {
    res.json(await runs.get(req.params.runId));
  });

  router.get('/:runId/events', async (req, res) => {
    const [known] =
      await sql`SELECT 1 FROM runs WHERE run_id = ${req.params.runId} UNION ALL SELECT 1 FROM run_event_heads WHERE run_id = ${req.params.runId} LIMIT 1`;
    if (!known) throw notFound(`run "${req.params.runId}"`);
    streamRunEvents({ sql, hub, open, keepAliveMs }, req, res, req.params.runId);
  });

  router.post('/:runId/cancel', async (req, res) => {
    await runs.cancel(req.params.runId);
    res.status(202).json({ runId: req.params.runId, status: 'cancelling' });
  });

  router.post('/:runId/approvals/:nodeId', async (req, res) => {
    const body = parseBody(approvalSchema, req.body ?? {});
    res.json(await runs.approve(req.params.runId, req.params.nodeId, body));
  });

  router.get('/:runId/history', async (req, res) => {
    const json = await runs.history(req.params.runId);
    res.type('application/json').send(json);
  });

  router.post('/:runId/replay', async (req, res) => {
    const json = await runs.history(req.params.runId);
    res.json(await replay(json, `run-${req.params.runId}`));
  });

  router.post('/:runId/rerun', async (req, res) => {
    const body = parseBody(rerunSchema, req.body ?? {});
    res.status(202).json(await runs.rerun(req.params.runId, body));
  });

  return router;
}
