import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
let flow: string;
const created: string[] = [];

beforeAll(async () => {
  stack = await startStack({ name: 'schedules' });
  flow = await stack.createFlow({
    name: uniqueName('nightly'),
    nodes: [
      { id: 'in', type: 'input' },
      { id: 'out', type: 'output', params: { name: 'greeting', value: 'Hello, {{in.name}}!' } },
    ],
    edges: [{ source: 'in', target: 'out' }],
  });
});
afterAll(async () => {
  // Schedules live in Temporal, not in this test's task queue: delete what this file made.
  for (const id of created)
    await stack.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => {});
  await stack?.stop();
});

describe('schedules', () => {
  it('an interval schedule starts runs marked origin "schedule"; pause, resume and delete', async () => {
    const res = await stack.api('POST', `/api/v1/flows/${flow}/schedules`, {
      interval: '1s',
      inputs: { name: 'Ada' },
      overlap: 'skip',
    });
    expect(res.status).toBe(201);
    const id = res.body.scheduleId as string;
    created.push(id);
    expect(res.body).toMatchObject({
      flow,
      flowVersion: 1,
      interval: '1s',
      inputs: { name: 'Ada' },
      overlap: 'skip',
      paused: false,
      links: { self: `/api/v1/schedules/${id}` },
    });
    expect(res.body.nextRunAt.length).toBeGreaterThan(0);

    // The schedule fires on its own: wait for a run it started to finish.
    let runId = '';
    await until(async () => {
      const s = await stack.api('GET', `/api/v1/schedules/${id}`);
      runId = s.body.recentRuns?.[0]?.runId ?? '';
      if (!runId) return false;
      const run = await stack.api('GET', `/api/v1/runs/${runId}`);
      return run.body.status === 'completed';
    });
    const run = await stack.api('GET', `/api/v1/runs/${runId}`);
    expect(run.body).toMatchObject({
      runId,
      flowName: flow,
      status: 'completed',
      origin: 'schedule',
      outputs: { greeting: 'Hello, Ada!' },
    });
    expect(runId.startsWith(`${id}-`)).toBe(true);
    // Two runs of one schedule are two runs, each with its own events.
    await until(async () => (await stack.api('GET', `/api/v1/schedules/${id}`)).body.recentRuns.length >= 2);
    const [first, second] = (await stack.api('GET', `/api/v1/schedules/${id}`)).body.recentRuns;
    expect(first.runId).not.toBe(second.runId);
    expect((await stack.api('GET', `/api/v1/runs/${second.runId}`)).body.origin).toBe('schedule');

    const paused = await stack.api('POST', `/api/v1/schedules/${id}/pause`, { note: 'maintenance' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, note: 'maintenance' });
    const countWhilePaused = paused.body.runsStarted as number;
    await new Promise((r) => setTimeout(r, 2500));
    expect((await stack.api('GET', `/api/v1/schedules/${id}`)).body.runsStarted).toBe(countWhilePaused);

    const resumed = await stack.api('POST', `/api/v1/schedules/${id}/resume`, {});
    expect(resumed.body.paused).toBe(false);
    await until(async () => (await stack.api('GET', `/api/v1/schedules/${id}`)).body.runsStarted > countWhilePaused);

    await until(async () =>
      ((await stack.api('GET', `/api/v1/flows/${flow}/schedules`)).body.schedules ?? []).some(
        (s: { scheduleId: string }) => s.scheduleId === id,
      ),
    );

    expect((await stack.api('DELETE', `/api/v1/schedules/${id}`)).status).toBe(204);
    expect((await stack.api('GET', `/api/v1/schedules/${id}`)).status).toBe(404);
  });

  it('a cron schedule with a given id; a second one with that id is a 409; trigger starts a run now', async () => {
    const id = uniqueName('weekdays');
    created.push(id);
    const res = await stack.api('POST', `/api/v1/flows/${flow}/schedules`, {
      id,
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      inputs: { name: 'Grace' },
      overlap: 'buffer_one',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      scheduleId: id,
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      overlap: 'buffer_one',
    });
    // Weekdays at 09:00 Paris time: 07:00 or 08:00 UTC.
    for (const t of res.body.nextRunAt as string[]) expect(t).toMatch(/T0[78]:00:00\.000Z$/);

    const again = await stack.api('POST', `/api/v1/flows/${flow}/schedules`, { id, cron: '0 9 * * *' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(id);

    expect((await stack.api('POST', `/api/v1/schedules/${id}/trigger`, {})).status).toBe(202);
    await until(async () => (await stack.api('GET', `/api/v1/schedules/${id}`)).body.runsStarted === 1);
  });

  it('refuses bad requests with the JSON path of the problem', async () => {
    const post = (body: unknown) => stack.api('POST', `/api/v1/flows/${flow}/schedules`, body);
    const both = await post({ cron: '* * * * *', interval: '1h' });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/exactly one of "cron".*and "interval"/);
    expect((await post({})).status).toBe(400);

    const badInterval = await post({ interval: 'often' });
    expect(badInterval.status).toBe(400);
    expect(badInterval.body.error.details[0].path).toBe('$.interval');

    const badOverlap = await post({ interval: '1h', overlap: 'sometimes' });
    expect(badOverlap.body.error.details[0].path).toBe('$.overlap');

    const badCron = await post({ cron: 'every tuesday' });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.details[0]).toEqual({ path: '$.cron', message: 'CronString does not have 5-7 fields' });

    const badZone = await post({ cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.details[0].path).toBe('$.timezone');

    expect((await stack.api('POST', `/api/v1/flows/no-such-flow/schedules`, { interval: '1h' })).status).toBe(404);
    // HTTP latency is labelled by route template, also under a mount with a param.
    const metrics = (await stack.api('GET', '/metrics')).body as string;
    expect(metrics).toContain('route="/api/v1/flows/:flow/schedules",status="404"');
    expect(metrics).not.toContain('route="/api/v1/flows/no-such-flow');
    expect((await stack.api('GET', `/api/v1/schedules/no-such-schedule`)).status).toBe(404);
    expect((await stack.api('POST', `/api/v1/schedules/no-such-schedule/pause`, {})).status).toBe(404);
    expect((await stack.api('DELETE', `/api/v1/schedules/no-such-schedule`)).status).toBe(404);
  });

  it('the CLI creates, lists, pauses, resumes and deletes schedules', async () => {
    const id = uniqueName('cli');
    created.push(id);
    const cli = (...args: string[]) =>
      exec(process.execPath, [path.join(ROOT, 'bin/tempoflow.js'), ...args], {
        env: { ...process.env, TEMPOFLOW_URL: stack.baseUrl },
        cwd: ROOT,
      });
    const made = await cli('schedules', 'create', flow, '--every', '1h', '--id', id, '--input', 'name=Ada');
    expect(made.stdout).toMatch(new RegExp(`^${id} +${flow} v1 +every 1h +active +overlap skip`));
    expect(JSON.parse((await cli('schedules', 'show', id)).stdout)).toMatchObject({ inputs: { name: 'Ada' } });
    expect((await cli('schedules', 'pause', id, '--note', 'holidays')).stdout).toContain(' paused ');
    expect((await cli('schedules', 'resume', id)).stdout).toContain(' active ');
    await until(async () => (await cli('schedules', 'list', flow)).stdout.includes(id));
    expect((await cli('schedules', 'delete', id)).stdout).toBe(`deleted ${id}\n`);
    const gone = await cli('schedules', 'show', id).catch((e: { code: number; stderr: string }) => e);
    expect(gone).toMatchObject({ code: 2 });
    expect((gone as { stderr: string }).stderr).toContain(`schedule "${id}" not found`);
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met within 60 s');
}
