import { Router } from 'express';
import type { RunService } from '../run-service.js';
import { runRequestSchema } from '../schemas.js';
import { parseBody } from '../validation.js';

/** POST /api/v1/webhooks/:flow: the JSON body becomes the run's inputs. */
export function webhooksRouter(runs: RunService): Router {
  const router = Router();
  router.post('/:flow', async (req, res) => {
    const body = req.body;
    const inputs = body && typeof body === 'object' && !Array.isArray(body) ? body : { body: body ?? null };
    const idempotencyKey = parseBody(
      runRequestSchema.shape.idempotencyKey,
      req.header('idempotency-key') ?? undefined,
      'Idempotency-Key header',
    );
    res.status(202).json(await runs.start(req.params.flow, { inputs, idempotencyKey }, 'webhook'));
  });
  return router;
}
