import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Command, CommanderError } from 'commander';
import { NODE_STATUS_BY_EVENT } from '../flow/index.js';
import { parseApiKeys } from '../infra/index.js';
import { ApiError, createApiClient } from './api-client.js';
import { renderNodeTable } from './render.js';

/** Exit codes a script can rely on. */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, notDeterministic: 3 } as const;

const baseUrl = (process.env.TEMPOFLOW_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const apiKey =
  process.env.TEMPOFLOW_API_KEY ??
  parseApiKeys(
    (process.env.API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )[0]?.key;
const api = createApiClient(baseUrl, apiKey || undefined);
const print = (value: unknown): void =>
  void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);

function parseInputs(pairs: string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CommanderError(EXIT.usage, 'usage', `--input expects key=value, got "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    inputs[pair.slice(0, at)] = value;
  }
  return inputs;
}

const program = new Command('tempoflow')
  .description(`Tempoflow CLI (API: ${baseUrl}; set TEMPOFLOW_URL and TEMPOFLOW_API_KEY to change)`)
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const flows = program.command('flows').description('manage flow definitions');
flows
  .command('push')
  .argument('<file>', 'a flow definition (JSON)')
  .description('create the flow, or store a new version when it exists and changed')
  .action(async (file: string) => {
    const def = JSON.parse(readFileSync(file, 'utf8')) as { name: string };
    try {
      const created = await api.request<{ name: string; version: number }>('POST', '/api/v1/flows', def);
      print(`created ${created.name} v${created.version}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      const current = await api.request<{ version: number; definition: unknown }>('GET', `/api/v1/flows/${def.name}`);
      if (isDeepStrictEqual(current.definition, { ...def, edges: (def as { edges?: unknown }).edges ?? [] })) {
        print(`${def.name} v${current.version} is unchanged`);
        return;
      }
      const updated = await api.request<{ name: string; version: number }>('PUT', `/api/v1/flows/${def.name}`, def);
      print(`updated ${updated.name} to v${updated.version}`);
    }
  });
flows
  .command('list')
  .description('list flows')
  .action(async () => {
    const { flows: list } = await api.request<{
      flows: { name: string; version: number; nodes: number; updatedAt: string }[];
    }>('GET', '/api/v1/flows');
    for (const f of list)
      print(
        `${f.name.padEnd(32)} v${String(f.version).padEnd(4)} ${String(f.nodes).padStart(4)} nodes  ${f.updatedAt}`,
      );
  });

program
  .command('import')
  .argument('<file>', 'a Langflow export (the JSON Langflow writes)')
  .option('--allow-unsupported', 'store the flow even with unsupported components (marked; runs then refuse)')
  .option('--web-search-url <url>', 'endpoint of the http tool that replaces Langflow web search')
  .description('import a Langflow flow; prints what each component became')
  .action(async (file: string, opts: { allowUnsupported?: boolean; webSearchUrl?: string }) => {
    const query = new URLSearchParams();
    if (opts.allowUnsupported) query.set('allowUnsupported', 'true');
    if (opts.webSearchUrl) query.set('webSearchUrl', opts.webSearchUrl);
    const body = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const imported = await api.request<{
      name: string;
      version: number;
      components: { id: string; type: string; status: string; as?: string; reason?: string }[];
    }>('POST', `/api/v1/flows/import/langflow${query.size ? `?${query}` : ''}`, body);
    print(`imported ${imported.name} v${imported.version}`);
    for (const c of imported.components)
      print(`  ${c.id.padEnd(32)} ${c.type.padEnd(24)} ${c.status.padEnd(12)} ${c.as ?? c.reason ?? ''}`);
  });

program
  .command('run')
  .argument('<flow>', 'flow name or id')
  .option('-i, --input <key=value...>', 'a run input (values are JSON when they parse, else strings)', [])
  .option('-f, --follow', 'show node states live, then the outputs')
  .option('--version <n>', 'run this version instead of the latest', (v) => Number(v))
  .option('--priority <1-5>', 'run priority (1 highest)', (v) => Number(v))
  .description('start a run; exit 0 when it completes, 1 when it fails or is cancelled')
  .action(async (flow: string, o: { input: string[]; follow?: boolean; version?: number; priority?: number }) => {
    const started = await api.request<{ runId: string; links: { temporalUi: string } }>(
      'POST',
      `/api/v1/flows/${flow}/runs`,
      {
        inputs: parseInputs(o.input),
        ...(o.version ? { version: o.version } : {}),
        ...(o.priority ? { priority: o.priority } : {}),
      },
    );
    if (!o.follow) {
      print(started);
      return;
    }
    process.stderr.write(`run ${started.runId}\nTemporal UI: ${started.links.temporalUi}\n`);
    const states = new Map<string, { status: string; attempt?: number; note?: string }>();
    const tty = process.stdout.isTTY;
    let drawn = 0;
    for await (const e of api.events(started.runId)) {
      const nodeId = e.data.nodeId as string | undefined;
      if (nodeId) {
        const status = NODE_STATUS_BY_EVENT[e.event];
        const prev = states.get(nodeId);
        if (status)
          states.set(nodeId, { status, attempt: e.data.attempt ?? prev?.attempt, note: e.data.error?.message });
        else if (e.event === 'node.token' && prev) prev.note = `${(prev.note ?? '') + e.data.token}`.slice(-60);
      }
      if (tty) {
        if (drawn) process.stdout.write(`\x1b[${drawn}A\x1b[J`);
        const table = renderNodeTable(states);
        process.stdout.write(`${table}\n`);
        drawn = table.split('\n').length;
      } else if (nodeId && e.event !== 'node.token') {
        print(`${e.event.padEnd(15)} ${nodeId}${e.data.attempt ? ` (attempt ${e.data.attempt})` : ''}`);
      } else if (!nodeId) print(e.event);
    }
    const run = await api.request<{ status: string; outputs: unknown; error?: { message: string; nodeId?: string } }>(
      'GET',
      `/api/v1/runs/${started.runId}`,
    );
    print(`status: ${run.status}`);
    if (run.error) print(`error: ${run.error.nodeId ? `${run.error.nodeId}: ` : ''}${run.error.message}`);
    print(run.outputs);
    if (run.status !== 'completed') process.exitCode = EXIT.runFailed;
  });

const runs = program.command('runs').description('inspect runs');
runs
  .command('show')
  .argument('<run>', 'run id')
  .description('print a run: status, nodes, outputs')
  .action(async (runId: string) => print(await api.request('GET', `/api/v1/runs/${runId}`)));
runs
  .command('list')
  .option('--flow <flow>')
  .option('--status <status>')
  .option('--limit <n>', 'at most n runs', '20')
  .action(async (o: { flow?: string; status?: string; limit: string }) => {
    const q = new URLSearchParams({
      limit: o.limit,
      ...(o.flow ? { flow: o.flow } : {}),
      ...(o.status ? { status: o.status } : {}),
    });
    const { runs: list } = await api.request<{
      runs: { runId: string; flowName: string; flowVersion: number; status: string; startedAt: string }[];
    }>('GET', `/api/v1/runs?${q}`);
    for (const r of list) print(`${r.runId}  ${r.status.padEnd(10)} ${r.flowName} v${r.flowVersion}  ${r.startedAt}`);
  });

program
  .command('history')
  .argument('<run>', 'run id')
  .option('-o, --output <file>', 'write to this file instead of stdout')
  .description("export the run's Temporal history (the JSON of `temporal workflow show --output json`)")
  .action(async (runId: string, o: { output?: string }) => {
    const history = await api.request<unknown>('GET', `/api/v1/runs/${runId}/history`);
    const text = JSON.stringify(history, null, 2);
    if (o.output) {
      writeFileSync(o.output, `${text}\n`);
      process.stderr.write(`wrote ${o.output}\n`);
    } else print(text);
  });

program
  .command('replay')
  .argument('<runOrFile>', 'a run id (replayed by the API) or a history file (replayed here, against ./workflows)')
  .description('replay a history against the workflow code; exit 0 only when deterministic')
  .action(async (target: string) => {
    let result: { deterministic: boolean; error?: string };
    if (existsSync(target)) {
      const { createReplayer } = await import('../bundle/index.js');
      result = await createReplayer()(readFileSync(target, 'utf8'), target);
    } else {
      result = await api.request('POST', `/api/v1/runs/${target}/replay`);
    }
    print(
      result.deterministic
        ? 'deterministic: the history replays against this code'
        : `NOT deterministic: ${result.error}`,
    );
    if (!result.deterministic) process.exitCode = EXIT.notDeterministic;
  });

program
  .command('rerun')
  .argument('<run>', 'run id')
  .requiredOption('--from <node>', 'the node to run again (with everything downstream of it)')
  .description('start a new run that reuses every output not downstream of --from')
  .action(async (runId: string, o: { from: string }) =>
    print(await api.request('POST', `/api/v1/runs/${runId}/rerun`, { fromNode: o.from })),
  );

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
      print(scheduleLine(await api.request('POST', `/api/v1/schedules/${id}/${verb}`, o.note ? { note: o.note } : {}))),
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

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    process.stderr.write(`tempoflow: ${(err as Error).message}\n`);
    process.exitCode = err instanceof ApiError && err.status >= 500 ? EXIT.runFailed : EXIT.usage;
  }
}
