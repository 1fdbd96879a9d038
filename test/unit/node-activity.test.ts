import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventDraft, NodeActivityInput } from '../../flow/index.js';
import type { Sql } from '../../infra/index.js';
import { createEventPublisher, handOver } from '../../activities/event-publisher.js';
import { toFailure } from '../../activities/failure.js';
import { createParamResolver } from '../../activities/param-resolver.js';

const SECRET = 'sk-unit-9a8b7c6d5e4f';
const silent = pino({ level: 'silent' });

const draft = (type: EventDraft['type'], n: number): EventDraft => ({
  type,
  key: `${type}:${n}`,
  nodeId: 'n',
  attempt: 1,
  ts: new Date(0).toISOString(),
});

describe('toFailure (what a failed node attempt reports)', () => {
  it("keeps an ApplicationFailure's type, retryability and retry delay; masks message and details", () => {
    const err = ApplicationFailure.create({
      message: `HTTP 404 from api.example.com?key=${SECRET}`,
      type: 'HttpClientError',
      nonRetryable: true,
      details: [{ body: `echo ${SECRET}` }],
    });
    const failure = toFailure(err, 2, [SECRET]);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'HttpClientError', nonRetryable: true });
    expect(failure.message).toBe('HTTP 404 from api.example.com?key=[secret]');
    expect(failure.details).toEqual([{ attempt: 2, body: 'echo [secret]' }]);

    const throttled = toFailure(
      ApplicationFailure.create({ message: 'HTTP 429', type: 'HttpTooManyRequests', nextRetryDelay: 5000 }),
      1,
      [],
    );
    expect(throttled).toMatchObject({ type: 'HttpTooManyRequests', nonRetryable: false, nextRetryDelay: 5000 });
  });

  it('makes any other error retryable, typed by its name (Error for network failures)', () => {
    expect(toFailure(new Error(`cannot reach ${SECRET}.example`), 1, [SECRET])).toMatchObject({
      type: 'Error',
      nonRetryable: false,
      message: 'cannot reach [secret].example',
      details: [{ attempt: 1 }],
    });
    expect(toFailure(new TypeError('x is not a function'), 3, [])).toMatchObject({ type: 'TypeError' });
  });
});

describe('createParamResolver (placeholders inside an activity)', () => {
  // No blob in scope and every secret in the environment: Postgres is never asked.
  const sql = new Proxy(() => undefined, {
    apply: () => {
      throw new Error('no SQL expected');
    },
  }) as unknown as Sql;
  const resolve = createParamResolver(sql, { SECRET_API_TOKEN: SECRET });
  const input = (type: string, params: Record<string, unknown>): NodeActivityInput => ({
    runId: 'r',
    nodeId: 'n',
    type,
    params,
    scope: { inputs: { q: 'tempo' }, up: { id: 7 } },
    maximumAttempts: 3,
  });

  it('reads ancestors and secrets where the kind allows them', async () => {
    const resolved = await resolve(
      input('http', {
        url: 'https://api.example.com/{{up.id}}?q={{inputs.q}}',
        headers: { authorization: 'Bearer {{secrets.API_TOKEN}}' },
      }),
      true,
    );
    expect(resolved.params).toEqual({
      url: 'https://api.example.com/7?q=tempo',
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect([...resolved.secrets]).toEqual([['API_TOKEN', SECRET]]);
  });

  it("refuses a secret outside the kind's secret fields, and anywhere when secrets are not allowed", async () => {
    await expect(resolve(input('template', { template: '{{secrets.API_TOKEN}}' }), true)).rejects.toMatchObject({
      type: 'InvalidParams',
      nonRetryable: true,
      message: expect.stringContaining('cannot be used in a template node\'s "template"'),
    });
    await expect(resolve(input('http', { url: '{{secrets.API_TOKEN}}' }), false)).rejects.toMatchObject({
      type: 'InvalidParams',
    });
  });
});

describe("createEventPublisher (one activity's events)", () => {
  it('writes in order, retrying while Postgres is away', async () => {
    const written: string[] = [];
    let failures = 2;
    const writer = {
      async append(_runId: string, events: EventDraft[]) {
        if (failures-- > 0) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
        written.push(...events.map((e) => e.key));
      },
    };
    const events = createEventPublisher(writer, 'r', false, silent);
    events.push(draft('node.started', 1));
    events.push(draft('node.token', 2));
    events.push(draft('node.token', 3));
    expect(await events.settle(10_000)).toEqual([]);
    expect(written).toEqual(['node.started:1', 'node.token:2', 'node.token:3']);
  });

  it("writes the events pushed in one go (the run's handed-over events, then node.started) in one append", async () => {
    const appends: string[][] = [];
    const events = createEventPublisher(
      { append: async (_r, e) => void appends.push(e.map((d) => d.key)) },
      'r',
      false,
      silent,
    );
    events.push(draft('run.started', 1));
    events.push(draft('node.completed', 2));
    events.push(draft('node.started', 3));
    expect(await events.settle(10_000)).toEqual([]);
    expect(appends).toEqual([['run.started:1', 'node.completed:2', 'node.started:3']]);
  });

  it('drops a batch the event log refuses for good, and hands back what it could not write in time', async () => {
    let attempts = 0;
    const refused = createEventPublisher(
      {
        append: () => {
          attempts += 1;
          return Promise.reject(Object.assign(new Error('value too long'), { code: '22001' }));
        },
      },
      'r',
      false,
      silent,
    );
    refused.push(draft('node.started', 1));
    expect(await refused.settle(10_000)).toEqual([]);
    expect(attempts).toBe(1);

    const away = createEventPublisher(
      { append: () => Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })) },
      'r',
      false,
      silent,
    );
    away.push(draft('node.started', 1));
    expect((await away.settle(0)).map((e) => e.key)).toEqual(['node.started:1']);
  });

  it('publishes nothing for a loop item (quiet)', async () => {
    const written: EventDraft[] = [];
    const events = createEventPublisher({ append: async (_r, e) => void written.push(...e) }, 'r', true, silent);
    events.push(draft('node.started', 1));
    expect(await events.settle(1000)).toEqual([]);
    expect(written).toEqual([]);
  });
});

describe('handOver (unwritten events that ride in the activity result)', () => {
  it('keeps every lifecycle event and the latest tokens, in order, within 200', () => {
    const events = [
      draft('node.started', 0),
      ...Array.from({ length: 300 }, (_, i) => draft('node.token', i + 1)),
      draft('node.retrying', 301),
    ];
    const kept = handOver(events);
    expect(kept).toHaveLength(200);
    expect(kept[0].key).toBe('node.started:0');
    expect(kept[1].key).toBe('node.token:103');
    expect(kept.at(-1)!.key).toBe('node.retrying:301');
    expect(handOver(events.slice(0, 5))).toEqual(events.slice(0, 5));
  });
});
