import { Router, type Response } from 'express';
import type { Sql } from '../../infra/index.js';
import { runIsKnown } from '../../runs/index.js';
import type { EventHub } from '../../events/index.js';
import { HttpError, notFound } from '../http-error.js';
import { keyNameOf } from '../auth.js';
import type { RunService } from '../run-service.js';
import type { ReplayResult } from '../../bundle/index.js';

export type Replay = (historyJson: string, workflowId: string) => Promise<ReplayResult>;
import { lastEventIdOf, streamRunEvents, type StreamGate } from '../sse.js';
import { TERMINAL_RUN_EVENTS, workflowIdOf } from '../../flow/index.js';
import { parseBody } from '../validation.js';
import { approvalSchema, listRunsSchema, rerunSchema } from '../schemas.js';

export function runsRouter(
  sql: Sql,
  runs: RunService,
  hub: EventHub,
  open: Set<Response>,
  replay: Replay,
  keepAliveMs: number | undefined,
  gate: StreamGate,
): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.json(await runs.list(parseBody(listRunsSchema, req.query, 'query')));
  });

  router.get('/:runId', async (req, res) => {
    res.json(await runs.get(req.params.runId));
  });

  router.get('/:runId/events', async (req, res) => {
    if (!(await runIsKnown(sql, req.params.runId))) throw notFound(`run "${req.params.runId}"`);
    // A client that already has the terminal event gets 204, which tells an EventSource to stop.
    const [end] = await sql<{ seq: bigint }[]>`
      SELECT seq FROM run_events WHERE run_id = ${req.params.runId} AND type = ANY(${TERMINAL_RUN_EVENTS as unknown as string[]}::text[])
      ORDER BY seq DESC LIMIT 1`;
    if (end && lastEventIdOf(req) >= Number(end.seq)) {
      res.status(204).end();
      return;
    }
    let release: () => void;
    try {
      release = gate.admit(keyNameOf(res) ?? `address:${req.socket.remoteAddress ?? ''}`);
    } catch (err) {
      res.set('retry-after', '5');
      throw err;
    }
    streamRunEvents({ hub, open, keepAliveMs, onClose: release }, req, res, req.params.runId);
  });

  router.post('/:runId/cancel', async (req, res) => {
    await runs.cancel(req.params.runId);
    res.status(202).json({ runId: req.params.runId, status: 'cancelling' });
  });

  router.post('/:runId/approvals/:nodeId', async (req, res) => {
    const body = parseBody(approvalSchema, req.body ?? {});
    const keyName = keyNameOf(res);
    if (keyName !== undefined && body.by !== undefined && body.by !== keyName) {
      const message = `is set from the API key's name ("${keyName}") when API keys are on; leave it out`;
      throw new HttpError(400, 'invalid_request', `$.by ${message}`, [{ path: '$.by', message }]);
    }
    res.json(await runs.approve(req.params.runId, req.params.nodeId, { ...body, by: keyName ?? body.by }));
  });

  router.get('/:runId/history', async (req, res) => {
    const json = await runs.history(req.params.runId);
    res.type('application/json').send(json);
  });

  router.post('/:runId/replay', async (req, res) => {
    const json = await runs.history(req.params.runId);
    res.json(await replay(json, workflowIdOf(req.params.runId)));
  });

  router.post('/:runId/rerun', async (req, res) => {
    const body = parseBody(rerunSchema, req.body ?? {});
    res.status(202).json(await runs.rerun(req.params.runId, body));
  });

  return router;
}
