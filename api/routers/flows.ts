import { Router } from 'express';
import type { Sql } from '../../infra/index.js';
import { checkDefinition, createFlow, deleteFlow, getFlow, listFlows, updateFlow } from '../flow-store.js';
import { notFound } from '../http-error.js';
import { parseBody } from '../validation.js';
import type { RunService } from '../run-service.js';
import { flowQuerySchema, runQuerySchema, runRequestSchema } from '../schemas.js';

export function flowsRouter(sql: Sql, runs: RunService): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const def = await checkDefinition(sql, req.body);
    res.status(201).json(await createFlow(sql, def));
  });

  router.get('/', async (_req, res) => {
    res.json({ flows: await listFlows(sql) });
  });

  router.get('/:flow', async (req, res) => {
    const { version } = parseBody(flowQuerySchema, req.query, 'query');
    const flow = await getFlow(sql, req.params.flow, version);
    if (!flow) throw notFound(`flow "${req.params.flow}"`);
    res.json(flow);
  });

  router.put('/:flow', async (req, res) => {
    const def = await checkDefinition(sql, req.body);
    res.json(await updateFlow(sql, req.params.flow, def));
  });

  router.delete('/:flow', async (req, res) => {
    await deleteFlow(sql, req.params.flow);
    res.status(204).end();
  });

  router.post('/:flow/runs', async (req, res) => {
    const { wait } = parseBody(runQuerySchema, req.query, 'query');
    const body = parseBody(runRequestSchema, req.body ?? {});
    const origin = req.header('x-tempoflow-origin') === 'cli' ? 'cli' : 'api';
    const started = await runs.start(req.params.flow, body, origin);
    if (wait === undefined) {
      res.status(202).json(started);
      return;
    }
    await runs.waitFor(started.runId, wait);
    const view = await runs.get(started.runId);
    const done = view.status === 'completed' || view.status === 'failed' || view.status === 'cancelled';
    res.status(done ? 200 : 202).json(view);
  });

  return router;
}
