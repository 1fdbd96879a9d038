import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Command, CommanderError } from 'commander';
import { ApiError } from './api-client.js';
import { api, baseUrl, EXIT, parseInputs, print } from './context.js';
import { followRun } from './follow.js';
import { scheduleCommands } from './schedules.js';

export { EXIT } from './context.js';

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
    await followRun(started);
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

scheduleCommands(program);

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
