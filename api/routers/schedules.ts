import { Router } from 'express';
import { parseBody } from '../validation.js';
import type { ScheduleService } from '../schedule-service.js';
import { scheduleNoteSchema, scheduleRequestSchema } from '../schemas.js';

/** Mounted at `/api/v1/flows`: create and list a flow's schedules (`/:flow/schedules`). */
export function flowSchedulesRouter(schedules: ScheduleService): Router {
  const router = Router();
  router.post('/:flow/schedules', async (req, res) => {
    const body = parseBody(scheduleRequestSchema, req.body ?? {});
    const view = await schedules.create(req.params.flow, body);
    res.status(201).location(view.links.self).json(view);
  });
  router.get('/:flow/schedules', async (req, res) => {
    res.json({ schedules: await schedules.list(req.params.flow) });
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
