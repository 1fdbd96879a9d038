import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflows } from '../../bundle/index.js';

const DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')));

let bundle: { code: string };
beforeAll(async () => {
  bundle = await bundleWorkflows();
}, 120_000);

describe('replay corpus (test/fixtures/histories, re-recorded by npm run record-histories)', () => {
  it('covers every node type and control-flow feature', () => {
    const activities = new Set<string>();
    const events = new Set<string>();
    const nodeTypes = new Set<string>();
    for (const file of files) {
      const json = JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) as { events: Record<string, any>[] };
      for (const e of json.events) {
        events.add(e.eventType);
        if (e.activityTaskScheduledEventAttributes)
          activities.add(e.activityTaskScheduledEventAttributes.activityType.name);
        const marker = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
        if (marker) activities.add(JSON.parse(Buffer.from(marker, 'base64').toString()).activity_type);
        const input = e.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
        if (input) {
          const decoded = JSON.parse(Buffer.from(input, 'base64').toString()) as {
            flow?: { definition: { nodes: { type: string }[] } };
            body?: { nodes: { type: string }[] };
          };
          for (const n of decoded.flow?.definition.nodes ?? decoded.body?.nodes ?? []) nodeTypes.add(n.type);
        }
      }
    }
    expect([...nodeTypes].sort()).toEqual([
      'agent',
      'approval',
      'condition',
      'delay',
      'echo',
      'http',
      'input',
      'llm',
      'loop',
      'output',
      'subflow',
      'template',
      'transform',
    ]);
    expect([...activities]).toEqual(
      expect.arrayContaining([
        'echo',
        'http',
        'llm',
        'transform',
        'condition',
        'loopItems',
        'publishEvents',
        'pureChain',
        'agentModel',
        'agentTool',
      ]),
    );
    for (const event of [
      'EVENT_TYPE_TIMER_STARTED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
      'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED',
      'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
    ]) {
      expect(events).toContain(event);
    }
  });

  it.each(files)('replays %s against the workflow code of this commit', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, load(file));
  });

  it('catches a nondeterministic change', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/workflows/changed-run-flow.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(
      Worker.runReplayHistory({ workflowBundle: changed, replayName: 'changed' }, load('basics.json')),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
