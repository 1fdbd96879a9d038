import type { Command } from 'commander';
import { api, parseInputs, print } from './context.js';

interface ScheduleView {
  scheduleId: string;
  flow: string;
  flowVersion: number;
  cron?: string;
  interval?: string;
  overlap: string;
  paused: boolean;
  nextRunAt: string[];
  runsStarted: number;
}
const scheduleLine = (s: ScheduleView) =>
  `${s.scheduleId.padEnd(32)} ${s.flow} v${s.flowVersion}  ${(s.cron ? `cron "${s.cron}"` : `every ${s.interval}`).padEnd(24)} ${s.paused ? 'paused ' : 'active '} overlap ${s.overlap}  next ${s.nextRunAt[0] ?? '-'}  runs ${s.runsStarted}`;

export function scheduleCommands(program: Command): void {
  const schedules = program.command('schedules').description('run flows on a cron or an interval (Temporal Schedules)');
  schedules
    .command('create')
    .argument('<flow>', 'flow name or id')
    .option('--cron <expr>', 'a cron expression, e.g. "0 9 * * 1-5"')
    .option('--every <duration>', 'an interval, e.g. 30s, 15m, 1h')
    .option('-i, --input <key=value...>', 'a run input (values are JSON when they parse, else strings)', [])
    .option('--overlap <policy>', 'skip | buffer_one | buffer_all | cancel_other | terminate_other | allow_all', 'skip')
    .option('--id <id>', 'the schedule id (default: <flow>-<random>)')
    .option('--timezone <tz>', 'IANA time zone for --cron, e.g. Europe/Paris')
    .option('--paused', 'create it paused')
    .description('create a schedule; prints its id')
    .action(
      async (
        flow: string,
        o: {
          cron?: string;
          every?: string;
          input: string[];
          overlap: string;
          id?: string;
          timezone?: string;
          paused?: boolean;
        },
      ) => {
        const view = await api.request<ScheduleView>('POST', `/api/v1/flows/${flow}/schedules`, {
          ...(o.cron ? { cron: o.cron } : {}),
          ...(o.every ? { interval: o.every } : {}),
          ...(o.id ? { id: o.id } : {}),
          ...(o.timezone ? { timezone: o.timezone } : {}),
          ...(o.paused ? { paused: true } : {}),
          inputs: parseInputs(o.input),
          overlap: o.overlap,
        });
        print(scheduleLine(view));
      },
    );
  schedules
    .command('list')
    .argument('<flow>', 'flow name or id')
    .description("list a flow's schedules")
    .action(async (flow: string) => {
      const { schedules: list } = await api.request<{ schedules: ScheduleView[] }>(
        'GET',
        `/api/v1/flows/${flow}/schedules`,
      );
      for (const s of list) print(scheduleLine(s));
    });
  schedules
    .command('show')
    .argument('<id>', 'schedule id')
    .description('print a schedule: spec, inputs, next times, recent runs')
    .action(async (id: string) => print(await api.request('GET', `/api/v1/schedules/${id}`)));
  for (const [verb, description] of [
    ['pause', 'stop starting runs until resumed'],
    ['resume', 'start runs again'],
  ] as const)
    schedules
      .command(verb)
      .argument('<id>', 'schedule id')
      .option('--note <text>', 'why (shown in the Temporal UI)')
      .description(description)
      .action(async (id: string, o: { note?: string }) =>
        print(
          scheduleLine(await api.request('POST', `/api/v1/schedules/${id}/${verb}`, o.note ? { note: o.note } : {})),
        ),
      );
  schedules
    .command('trigger')
    .argument('<id>', 'schedule id')
    .description('start one run now')
    .action(async (id: string) => {
      await api.request('POST', `/api/v1/schedules/${id}/trigger`, {});
      print(`triggered ${id}`);
    });
  schedules
    .command('delete')
    .argument('<id>', 'schedule id')
    .description('delete the schedule (runs it started are kept)')
    .action(async (id: string) => {
      await api.request('DELETE', `/api/v1/schedules/${id}`);
      print(`deleted ${id}`);
    });
}
