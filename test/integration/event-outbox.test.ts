import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';
import { ENGINES } from '../../workflows/engine.js';
import { workerMetrics } from '../../infra/index.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'event-outbox' });
});
afterAll(async () => stack?.stop());

/**
 * Stacks whose worker runs one activity at a time (each started by the first test that needs it):
 * with early writes off, so what carriers took is stored only by them, and on.
 */
const singles = new Map<boolean, Promise<Stack>>();
const singleSlot = (earlyEvents = false) => {
  if (!singles.has(earlyEvents))
    singles.set(earlyEvents, startStack({ name: `one-slot-${earlyEvents}`, maxActivities: 1, earlyEvents }));
  return singles.get(earlyEvents)!;
};
afterAll(async () => {
  for (const s of singles.values()) await (await s).stop();
});

const chain = (name: string, n: number) => {
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  return {
    name,
    nodes: [
      { id: 'in', type: 'input' },
      ...ids.map((id) => ({ id, type: 'echo', params: { value: '{{in.x}}' } })),
      { id: 'out', type: 'output', params: { name: 'x', value: `{{${ids.at(-1)}}}` } },
    ],
    edges: [
      { source: 'in', target: 'c0' },
      ...ids.slice(1).map((id, i) => ({ source: ids[i], target: id })),
      { source: ids.at(-1)!, target: 'out' },
    ],
  };
};

/** A run's local activities (as markers) and the activity types it scheduled, from its history. */
async function historyOf(runId: string) {
  const events = (await stack.client.workflow.getHandle(`run-${runId}`).fetchHistory()).events ?? [];
  return {
    markers: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'),
    scheduled: events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
    /** Patch ids the run recorded (workflows/engine.ts). */
    patches: events.flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
    }),
    /** The events each node activity handed back in its result, by key. */
    handedBack: events.flatMap((e) => {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      if (!payload?.data) return [];
      const result = JSON.parse(Buffer.from(payload.data).toString()) as { events?: { key: string }[] };
      return [(result.events ?? []).map((d) => d.key)];
    }),
  };
}

describe('the workflow event outbox', () => {
  it('writes a chain of activity nodes without a local activity per node, every event in causal order', async () => {
    const name = await stack.createFlow(chain(uniqueName('ride'), 8));
    const run = await stack.run(name, { inputs: { x: 'v' } });
    expect(run).toMatchObject({ status: 'completed', outputs: { x: 'v' } });

    // Local activities hold a workflow task open: one per node delayed every next node by a
    // Postgres round trip. Events now ride the next node activity; what is left goes at the end.
    const { markers, scheduled } = await historyOf(run.runId);
    expect(markers.length).toBeLessThanOrEqual(2);
    // …and not by a regular activity either: the only activities are the eight nodes.
    expect(scheduled).toEqual(Array(8).fill('echo'));

    const events = await readStream(stack.baseUrl, run.runId);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const at = (type: string, nodeId: string) => events.findIndex((e) => e.event === type && e.data.nodeId === nodeId);
    const order = ['in', ...Array.from({ length: 8 }, (_, i) => `c${i}`), 'out'];
    for (const id of order) {
      expect(at('node.started', id), `node.started ${id}`).toBeGreaterThan(-1);
      expect(at('node.completed', id), `node.completed ${id}`).toBeGreaterThan(at('node.started', id));
    }
    // No node starts (in the log) before the node it depends on completed.
    for (let i = 1; i < order.length; i++)
      expect(at('node.started', order[i]), order[i]).toBeGreaterThan(at('node.completed', order[i - 1]));
    expect(events.filter((e) => e.event === 'node.completed')).toHaveLength(order.length);
    expect(events.at(-1)!.event).toBe('run.completed');
  });

  it('hands back from a fast node only its node.completed once Postgres has taken the rest', async () => {
    // An echo finishes before the append of its node.started (and the run's events it carried)
    // comes back. Handing those back unconfirmed made the workflow write them again, each next
    // carrier carry them again, and every result and input in history grow.
    const name = await stack.createFlow(chain(uniqueName('handed'), 4));
    const run = await stack.run(name, { inputs: { x: 'v' } });
    expect(run.status).toBe('completed');
    const { handedBack, patches } = await historyOf(run.runId);
    // Each node waits up to 250 ms for those writes, so on a loaded machine one may still hand some
    // back; before, every one did (an echo returns long before its append does).
    expect(handedBack).toHaveLength(4);
    const onlyCompleted = handedBack.filter((keys, i) => keys.join() === `node.completed:c${i}::1`);
    expect(onlyCompleted.length).toBeGreaterThanOrEqual(2);
    // One marker (and one TemporalChangeVersion upsert) for every behaviour change, not one each.
    expect(patches).toEqual([ENGINES[0].id]);
  });

  it('stores a sibling started in the same activation after the events its carrier took', async () => {
    // `a` (an activity) takes the queued events of `in`; `d` (a delay) starts next, in the same
    // activation: its node.started must not be stored before node.completed of `in`.
    const name = await stack.createFlow({
      name: uniqueName('ride-sibling'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'a', type: 'echo', params: { value: 1, durationMs: 300 } },
        { id: 'd', type: 'delay', params: { duration: '10ms' } },
      ],
      edges: [
        { source: 'in', target: 'a' },
        { source: 'in', target: 'd' },
      ],
    });
    const run = await stack.run(name, { inputs: {} });
    expect(run.status).toBe('completed');
    const events = await readStream(stack.baseUrl, run.runId);
    const at = (type: string, nodeId: string) => events.findIndex((e) => e.event === type && e.data.nodeId === nodeId);
    expect(at('node.completed', 'in')).toBeGreaterThan(-1);
    expect(at('node.started', 'd')).toBeGreaterThan(at('node.completed', 'in'));
    expect(at('node.started', 'a')).toBeGreaterThan(at('node.completed', 'in'));
  });

  it('stores the events a late carrier took before later events of the run', async () => {
    // x takes node.completed of d1 to write first thing, but the one activity slot is s's for three
    // seconds. Meanwhile d2 completes and j (after d1 and d2) starts and completes, written by local
    // activity: they must not be stored before node.completed of d1, which j waited for.
    const single = await singleSlot();
    {
      const name = await single.createFlow({
        name: uniqueName('late-carrier'),
        nodes: [
          { id: 'in', type: 'input' },
          { id: 's', type: 'echo', params: { value: 1, durationMs: 3000 } },
          { id: 'd1', type: 'delay', params: { duration: '100ms' } },
          { id: 'x', type: 'echo', params: { value: 2 } },
          { id: 'd2', type: 'delay', params: { duration: '400ms' } },
          { id: 'j', type: 'delay', params: { duration: '1ms' } },
        ],
        edges: [
          { source: 'in', target: 's' },
          { source: 'in', target: 'd1' },
          { source: 'd1', target: 'x' },
          { source: 'in', target: 'd2' },
          { source: 'd1', target: 'j' },
          { source: 'd2', target: 'j' },
        ],
      });
      const run = await single.run(name, { inputs: {} });
      expect(run.status).toBe('completed');
      let events = await readStream(single.baseUrl, run.runId);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      const at = (type: string, nodeId: string) =>
        events.findIndex((e) => e.event === type && e.data.nodeId === nodeId);
      for (const id of ['d1', 'd2', 'j', 'x']) expect(at('node.completed', id), id).toBeGreaterThan(-1);
      // x really started after j had ended (so its carried event could only come late)…
      const ts = (type: string, nodeId: string) => Date.parse(events[at(type, nodeId)].data.ts);
      expect(ts('node.started', 'x')).toBeGreaterThan(ts('node.completed', 'j'));
      // …and still nothing that followed d1 is stored before d1's completion.
      expect(at('node.started', 'j')).toBeGreaterThan(at('node.completed', 'd1'));
      expect(at('node.completed', 'd2')).toBeGreaterThan(at('node.completed', 'd1'));
      expect(at('node.started', 'x')).toBeGreaterThan(at('node.completed', 'd1'));

      // A later carrier that starts first (a higher priority) writes the earlier one's events too:
      // y takes node.completed of d2 while x still holds d1's, and the slot goes to y first.
      const second = await single.createFlow({
        name: uniqueName('late-carrier-overtaken'),
        nodes: [
          { id: 'in', type: 'input' },
          { id: 's', type: 'echo', params: { value: 1, durationMs: 3000 } },
          { id: 'd1', type: 'delay', params: { duration: '100ms' } },
          { id: 'x', type: 'echo', params: { value: 2 }, priority: 5 },
          { id: 'd2', type: 'delay', params: { duration: '400ms' } },
          { id: 'y', type: 'echo', params: { value: 3 }, priority: 1 },
        ],
        edges: [
          { source: 'in', target: 's' },
          { source: 'in', target: 'd1' },
          { source: 'd1', target: 'x' },
          { source: 'in', target: 'd2' },
          { source: 'd2', target: 'y' },
        ],
      });
      const overtaken = await single.run(second, { inputs: {} });
      expect(overtaken.status).toBe('completed');
      events = await readStream(single.baseUrl, overtaken.runId);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(ts('node.started', 'y')).toBeLessThan(ts('node.started', 'x'));
      expect(at('node.completed', 'd2')).toBeGreaterThan(at('node.completed', 'd1'));
      expect(at('node.started', 'y')).toBeGreaterThan(at('node.completed', 'd1'));
    }
  });

  it('stores an event drafted in the workflow when its activation ends, not when its carrier starts', async () => {
    // x carries node.completed of d1 but waits five seconds for the one activity slot (s has it).
    // The event is stored at once all the same: the snapshot that first has it has nothing of x
    // (a carrier stores what it carries and its node.started in one transaction), and s is running.
    const single = await singleSlot(true);
    const name = await single.createFlow({
      name: uniqueName('early-events'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 's', type: 'echo', params: { value: 1, durationMs: 5000 } },
        { id: 'd1', type: 'delay', params: { duration: '100ms' } },
        { id: 'x', type: 'echo', params: { value: 2 } },
      ],
      edges: [
        { source: 'in', target: 's' },
        { source: 'in', target: 'd1' },
        { source: 'd1', target: 'x' },
      ],
    });
    const early = async () =>
      (await workerMetrics.earlyEvents.get()).values.find((v) => v.labels.outcome === 'stored')?.value ?? 0;
    const earlyBefore = await early();
    const { runId } = await single.start(name, { inputs: {} });
    let stored: { type: string; node_id: string | null }[] = [];
    const deadline = Date.now() + 30_000;
    while (!stored.some((e) => e.type === 'node.completed' && e.node_id === 'd1')) {
      if (Date.now() > deadline) throw new Error(`node.completed of d1 never stored: ${JSON.stringify(stored)}`);
      await new Promise((r) => setTimeout(r, 20));
      stored = await single.sql<{ type: string; node_id: string | null }[]>`
        SELECT type, node_id FROM run_events WHERE run_id = ${runId} ORDER BY seq`;
    }
    expect(stored.filter((e) => e.node_id === 's' && e.type !== 'node.started')).toEqual([]);
    expect(stored.filter((e) => e.node_id === 'x')).toEqual([]);
    // The worker's metrics count it (tempoflow_early_events_total{outcome="stored"}).
    expect(await early()).toBeGreaterThan(earlyBefore);
    const done = await single.waitForRun(runId, (r) => r.status !== 'running');
    expect(done.status).toBe('completed');
    const events = await readStream(single.baseUrl, runId);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const at = (type: string, nodeId: string) => events.findIndex((e) => e.event === type && e.data.nodeId === nodeId);
    expect(at('node.started', 'x')).toBeGreaterThan(at('node.completed', 'd1'));
    expect(events.filter((e) => e.event === 'node.completed' && e.data.nodeId === 'd1')).toHaveLength(1);
  });

  it('lets a small fan-out carry the events and writes the last ones with the terminal event', async () => {
    // in → a → (b, c) → out: both branch activities carry a's node.completed (4 local activities
    // before: the fan-out's drafts, c's completion, b's completion, then the run's end).
    const name = await stack.createFlow({
      name: uniqueName('ride-diamond'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'a', type: 'echo', params: { value: '{{in.x}}' } },
        { id: 'b', type: 'echo', params: { value: 'b', durationMs: 200 } },
        { id: 'c', type: 'echo', params: { value: 'c' } },
        { id: 'out', type: 'output', params: { name: 'x', value: '{{b}}{{c}}' } },
      ],
      edges: [
        { source: 'in', target: 'a' },
        { source: 'a', target: 'b' },
        { source: 'a', target: 'c' },
        { source: 'b', target: 'out' },
        { source: 'c', target: 'out' },
      ],
    });
    const run = await stack.run(name, { inputs: { x: 1 } });
    expect(run).toMatchObject({ status: 'completed', outputs: { x: 'bc' } });
    const { markers, scheduled } = await historyOf(run.runId);
    expect(markers.length).toBeLessThanOrEqual(2);
    // …and the nodes still ran as their three activities (no marker count is met by running nothing).
    expect(scheduled).toEqual(['echo', 'echo', 'echo']);
    expect(markers.length).toBeGreaterThanOrEqual(1); // the run's last events, with run.completed

    const events = await readStream(stack.baseUrl, run.runId);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const at = (type: string, nodeId: string) => events.findIndex((e) => e.event === type && e.data.nodeId === nodeId);
    for (const id of ['in', 'a', 'b', 'c', 'out']) {
      expect(
        events.filter((e) => e.event === 'node.completed' && e.data.nodeId === id),
        id,
      ).toHaveLength(1);
      expect(at('node.completed', id), id).toBeGreaterThan(at('node.started', id));
    }
    for (const id of ['b', 'c']) expect(at('node.started', id), id).toBeGreaterThan(at('node.completed', 'a'));
    expect(at('node.started', 'out')).toBeGreaterThan(Math.max(at('node.completed', 'b'), at('node.completed', 'c')));
    expect(events.at(-1)!.event).toBe('run.completed');
  });

  it('still writes the events a failed node carried', async () => {
    const flow = chain(uniqueName('ride-fail'), 2);
    flow.nodes[2] = {
      id: 'c1',
      type: 'http',
      params: { url: 'http://127.0.0.1:9/nothing' },
      retry: { maximumAttempts: 1 },
    } as never;
    const name = await stack.createFlow(flow);
    const started = await stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: { x: 'v' } });
    const run = await stack.waitForRun(started.body.runId, (r) => r.status === 'failed');
    expect(run.nodes.c0).toMatchObject({ status: 'completed' });
    const events = await readStream(stack.baseUrl, run.runId);
    const types = events.map((e) => `${e.event}:${e.data.nodeId ?? ''}`);
    expect(types).toContain('node.completed:c0');
    expect(types).toContain('node.failed:c1');
    expect(types.indexOf('node.completed:c0')).toBeLessThan(types.indexOf('node.failed:c1'));
    expect(events.at(-1)!.event).toBe('run.failed');
  });
});
