import { Router } from 'express';
import { parseBody } from '../validation.js';
import type { ScheduleService } from '../schedule-service.js';
import { scheduleNoteSchema, scheduleRequestSchema } from '../schemas.js';

/** `/api/v1/flows/:flow/schedules`: create and list a flow's schedules. */
export function flowSchedulesRouter(schedules: ScheduleService): Router {
  const router = Router({ mergeParams: true });
  router.post('/', async (req, res) => {
    const body = parseBody(scheduleRequestSchema, req.body ?? {});
    const view = await schedules.create((req.params as { flow: string }).flow, body);
    res.status(201).location(view.links.self).json(view);
  });
  router.get('/', async (req, res) => {
    res.json({ schedules: await schedules.list((req.params as { flow: string }).flow) });
  });
  return router;
}

/** `/api/v1/schedules/:scheduleId`: read, pause, resume, trigger, delete one schedule. */
export function schedulesRouter(schedules: ScheduleService): Router {
  const router = Router();
  router.get('/:scheduleId', async (req, res) => {
    res.json(await schedules.get(req.params.scheduleId));
  });
  router.post('/:scheduleId/pause', async (req, res) => {
    const { note } = parseBody(scheduleNoteSchema, req.body ?? {});
    res.json(await schedules.pause(req.params.scheduleId, note));
  });
  router.post('/:scheduleId/resume', async (req, res) => {
    const { note } = parseBody(scheduleNoteSchema, req.body ?? {});
    res.json(await schedules.resume(req.params.scheduleId, note));
  });
  router.post('/:scheduleId/trigger', async (req, res) => {
    await schedules.trigger(req.params.scheduleId);
    res.status(202).json({ scheduleId: req.params.scheduleId, triggered: true });
  });
  router.delete('/:scheduleId', async (req, res) => {
    await schedules.remove(req.params.scheduleId);
    res.status(204).end();
  });
  return router;
}
