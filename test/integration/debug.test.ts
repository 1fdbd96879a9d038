import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { findTemporalCli } from '../../dev/temporal-dev-server.js';
import { FLOW_NAME_KEY } from '../../flow/index.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
let server: TestServer;
let healthy = false;

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    if (healthy) res.writeHead(200, { 'content-type': 'application/json' }).end('{"charged":true}');
    else res.writeHead(402).end('card declined');
  });
  stack = await startStack({ name: 'debug', httpAllowHosts: [server.host] });
});
afterAll(async () => {
  await stack?.stop();
  await server?.close();
});

const checkoutFlow = (name: string) => ({
  name,
  nodes: [
    { id: 'prep', type: 'echo', params: { value: 'order-1', durationMs: 300 } },
    { id: 'side', type: 'echo', params: { value: 'receipt-template' } },
    {
      id: 'charge',
      type: 'http',
      params: { method: 'POST', url: `${server.url}/charge`, body: { order: '{{prep}}' } },
    },
    { id: 'out', type: 'output', params: { value: { charge: '{{charge.body}}', side: '{{side}}' } } },
  ],
  edges: [
    { source: 'prep', target: 'charge' },
    { source: 'charge', target: 'out' },
    { source: 'side', target: 'out' },
  ],
});

const decode = (payload: { data?: string } | undefined) =>
  payload?.data ? JSON.parse(Buffer.from(payload.data, 'base64').toString()) : undefined;

describe('inspect and debug', () => {
  it('re-runs a failed run from the failed node, reusing every output that succeeded', async () => {
    healthy = false;
    const name = await stack.createFlow(checkoutFlow(uniqueName('checkout')));
    const failed = await stack.run(name);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ nodeId: 'charge', message: expect.stringContaining('402') });
    expect(failed.nodes.side.status).toBe('completed');

    healthy = true;
    const rerun = await stack.api('POST', `/api/v1/runs/${failed.runId}/rerun`, { fromNode: 'charge' });
    expect(rerun.status).toBe(202);
    const fixed = await stack.waitForRun(rerun.body.runId, (r) => r.status === 'completed');
    expect(fixed.flowVersion).toBe(failed.flowVersion);
    expect(fixed.outputs.out).toEqual({ charge: { charged: true }, side: 'receipt-template' });
    expect(fixed.nodes.prep).toMatchObject({ status: 'completed', reused: true, output: 'order-1' });
    const events = await readStream(stack.baseUrl, rerun.body.runId);
    const started = events.filter((e) => e.event === 'node.started').map((e) => e.data.nodeId);
    expect(started).not.toContain('prep');
    expect(started).not.toContain('side');
    expect(started).toContain('charge');

    const handle = stack.client.workflow.getHandle(rerun.body.workflowId);
    const description = await handle.describe();
    expect(description.memo).toMatchObject({ origin: 'rerun', rerunOf: failed.runId, fromNode: 'charge' });
    expect(description.raw.workflowExecutionInfo?.searchAttributes?.indexedFields?.RerunOf).toBeDefined();
    const scheduled = (await handle.fetchHistory())
      .events!.filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityId);
    expect(scheduled).toEqual(['charge']);
  });

  it('re-runs a completed run from an upstream node: that node and its descendants run again, the independent branch does not', async () => {
    healthy = true;
    const name = await stack.createFlow(checkoutFlow(uniqueName('again')));
    const first = await stack.run(name);
    expect(first.status).toBe('completed');
    const rerun = await stack.api('POST', `/api/v1/runs/${first.runId}/rerun`, { fromNode: 'prep' });
    const second = await stack.waitForRun(rerun.body.runId, (r) => r.status === 'completed');
    expect(second.nodes.side.reused).toBe(true);
    expect(second.nodes.prep.reused).toBeUndefined();
    const bad = await stack.api('POST', `/api/v1/runs/${first.runId}/rerun`, { fromNode: 'nope' });
    expect(bad).toMatchObject({ status: 400, body: { error: { details: [{ path: '$.fromNode' }] } } });
    expect((await stack.api('POST', '/api/v1/runs/unknown/rerun', { fromNode: 'prep' })).status).toBe(404);
  });

  it('exports the history in the format of `temporal workflow show --output json`, and replays it', async () => {
    healthy = true;
    const name = await stack.createFlow(checkoutFlow(uniqueName('history')));
    const done = await stack.run(name);
    const exported = await stack.api('GET', `/api/v1/runs/${done.runId}/history`);
    expect(exported.status).toBe(200);
    const { stdout } = await run(findTemporalCli(process.env.TEMPORAL_CLI_PATH)!, [
      'workflow',
      'show',
      '--workflow-id',
      done.workflowId,
      '--address',
      testEnv().address,
      '--output',
      'json',
    ]);
    const cli = JSON.parse(stdout) as { events: { eventId: string; eventType: string }[] };
    expect(exported.body.events.map((e: { eventId: string; eventType: string }) => [e.eventId, e.eventType])).toEqual(
      cli.events.map((e) => [e.eventId, e.eventType]),
    );
    expect(exported.body.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');

    const replay = await stack.api('POST', `/api/v1/runs/${done.runId}/replay`);
    expect(replay).toMatchObject({ status: 200, body: { deterministic: true } });
  });

  it('labels the run and every node for the Temporal UI', async () => {
    healthy = true;
    const name = await stack.createFlow(checkoutFlow(uniqueName('labels')));
    const done = await stack.run(name);
    const handle = stack.client.workflow.getHandle(done.workflowId);
    const description = await handle.describe();
    expect(await description.staticSummary()).toContain(`${name} v1`);
    expect(await description.staticDetails()).toContain('| charge | http |');
    expect(
      description.typedSearchAttributes
        .getAll()
        .map((p) => p.key.name)
        .filter((k) => k.startsWith('Flow'))
        .sort(),
    ).toEqual(['FlowId', 'FlowName', 'FlowVersion']);
    expect(description.typedSearchAttributes.get(FLOW_NAME_KEY)).toBe(name);
    const summaries = (await handle.fetchHistory())
      .events!.filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => decode(e.userMetadata?.summary as { data?: string }) ?? decodeBytes(e.userMetadata?.summary));
    expect(summaries.sort()).toEqual(['charge · http', 'prep · echo', 'side · echo']);
  });
});

function decodeBytes(payload: unknown): unknown {
  const data = (payload as { data?: Uint8Array })?.data;
  return data ? JSON.parse(Buffer.from(data).toString()) : undefined;
}

describe('the tempoflow CLI', () => {
  const cli = (args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'bin/tempoflow.js'), ...args], {
      env: { ...process.env, TEMPOFLOW_URL: stack.baseUrl },
      cwd: ROOT,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('pushes a flow, runs it with --follow, shows it, exports and replays its history', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempoflow-cli-'));
    const name = uniqueName('cli');
    const file = path.join(dir, 'flow.json');
    writeFileSync(
      file,
      JSON.stringify({
        name,
        nodes: [
          { id: 'in', type: 'input' },
          { id: 'hi', type: 'echo', params: { value: 'Hi {{in.name}} x{{in.n}}', durationMs: 100 } },
          { id: 'out', type: 'output', params: { name: 'greeting', value: '{{hi}}' } },
        ],
        edges: [
          { source: 'in', target: 'hi' },
          { source: 'hi', target: 'out' },
        ],
      }),
    );
    expect(await cli(['flows', 'push', file])).toMatchObject({ code: 0, stdout: `created ${name} v1\n` });
    expect((await cli(['flows', 'push', file])).stdout).toBe(`${name} v1 is unchanged\n`);
    expect((await cli(['flows', 'list'])).stdout).toContain(name);

    const followed = await cli(['run', name, '--input', 'name=Ada', '--input', 'n=3', '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('node.completed  hi (attempt 1)');
    expect(followed.stdout).toContain('status: completed');
    expect(followed.stdout).toContain('"greeting": "Hi Ada x3"');
    const runId = /run ([0-9a-f]{32})/.exec(followed.stderr)![1];

    const shown = await cli(['runs', 'show', runId]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ runId, status: 'completed' });

    const historyFile = path.join(dir, 'history.json');
    expect((await cli(['history', runId, '-o', historyFile])).code).toBe(0);
    expect(JSON.parse(readFileSync(historyFile, 'utf8')).events[0].eventType).toBe(
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
    );
    const local = await cli(['replay', historyFile]);
    expect(local).toMatchObject({ code: 0, stdout: expect.stringContaining('deterministic') });
    expect((await cli(['replay', runId])).code).toBe(0);
  });

  it('exits 1 when the run fails and 2 on bad usage or an unknown flow', async () => {
    const name = await stack.createFlow({
      name: uniqueName('clifail'),
      nodes: [{ id: 'x', type: 'echo', params: { fail: 'nope' } }],
    });
    const failed = await cli(['run', name, '--follow']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('status: failed');
    expect((await cli(['run', 'no-such-flow'])).code).toBe(2);
    expect((await cli(['run', name, '--input', 'novalue'])).code).toBe(2);
  });
});
