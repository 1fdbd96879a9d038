import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../dev/build-web.js';
import { launchChromium } from '../../dev/chromium.js';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import type { TestServer } from '../helpers/http-server.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
let stack: Stack;
let browser: Browser;
let llm: TestServer;
const TOKENS = Array.from({ length: 24 }, (_, i) => `word${i} `);

beforeAll(async () => {
  await buildWeb(); // cached by a hash of web/: quick when nothing changed
  llm = await startFakeOpenAI({ tokens: TOKENS, delayMs: 120 });
  stack = await startStack({ name: 'web', httpAllowHosts: [llm.host] });
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await llm?.close();
});

/**
 * Runs before the page's own scripts: records every data-status a drawn node takes (so the test sees
 * transitions, not only end states), and wraps fetch so the test can cut the live event stream the
 * way a lost connection would.
 */
const INSTRUMENT = () => {
  const w = window as unknown as {
    __statuses: Record<string, string[]>;
    __cutStreams: () => number;
    __eventRequests: (string | null)[];
  };
  w.__statuses = {};
  w.__eventRequests = [];
  const record = (el: Element) => {
    const id = el.getAttribute('data-node-id');
    const status = el.getAttribute('data-status');
    if (!id || !status) return;
    const log = (w.__statuses[id] ??= []);
    if (log[log.length - 1] !== status) log.push(status);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') record(r.target as Element);
      for (const n of r.addedNodes)
        if (n instanceof Element) [n, ...n.querySelectorAll('[data-node-id]')].forEach(record);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });

  const controllers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  w.__cutStreams = () => {
    const n = controllers.size;
    for (const c of controllers) c.error(new TypeError('network connection lost'));
    controllers.clear();
    return n;
  };
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!/\/events$/.test(url)) return original(input, init);
    w.__eventRequests.push(new Headers(init?.headers).get('last-event-id'));
    const res = await original(input, init);
    const reader = res.body!.getReader();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        controllers.add(c);
      },
      async pull(c) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            controllers.delete(c);
            c.close();
          } else c.enqueue(value);
        } catch (err) {
          controllers.delete(c);
          c.error(err);
        }
      },
      cancel() {
        controllers.delete(controller);
        void reader.cancel();
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
};

const statusesOf = (page: Page) =>
  page.$$eval('[data-node-id]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-node-id'), e.getAttribute('data-status')])),
  );
const waitForStatus = (page: Page, nodeId: string, status: string) =>
  page.locator(`[data-node-id="${nodeId}"][data-status="${status}"]`).waitFor({ timeout: 60_000 });

function showcaseFlow(name: string) {
  return {
    name,
    description: 'fan-out, a condition, a failure that lets the run go on, and an approval',
    nodes: [
      { id: 'in', type: 'input', params: { name: 'who', default: 'Ada' } },
      { id: 'fetchA', type: 'echo', params: { value: 'A', durationMs: 1500 }, timeout: '30s', priority: 2 },
      { id: 'fetchB', type: 'echo', params: { value: 'B', durationMs: 1500 } },
      { id: 'fetchC', type: 'echo', params: { value: 'C', durationMs: 1500 } },
      {
        id: 'flaky',
        type: 'echo',
        params: { value: 'never', fail: 'upstream said no' },
        retry: { maximumAttempts: 1 },
        onError: 'continue',
      },
      { id: 'afterFlaky', type: 'echo', params: { value: 'unreached' } },
      { id: 'isA', type: 'condition', params: { expression: "fetchA = 'A'" } },
      { id: 'yes', type: 'template', params: { template: 'Hello, {{in}}: {{fetchA}}{{fetchB}}{{fetchC}}' } },
      { id: 'no', type: 'echo', params: { value: 'not taken' } },
      { id: 'ship', type: 'approval', params: { message: 'Ship it?', timeout: '10m' } },
      { id: 'out', type: 'output', params: { name: 'greeting', value: '{{yes}}' } },
    ],
    edges: [
      { source: 'in', target: 'fetchA' },
      { source: 'in', target: 'fetchB' },
      { source: 'in', target: 'fetchC' },
      { source: 'in', target: 'flaky' },
      { source: 'flaky', target: 'afterFlaky' },
      { source: 'fetchA', target: 'isA' },
      { source: 'isA', target: 'yes', sourceHandle: 'true' },
      { source: 'isA', target: 'no', sourceHandle: 'false' },
      { source: 'fetchB', target: 'yes' },
      { source: 'fetchC', target: 'yes' },
      { source: 'in', target: 'yes' },
      { source: 'yes', target: 'ship' },
      { source: 'ship', target: 'out' },
    ],
  };
}

describe('the web page', () => {
  it('draws a flow, starts a run from its form, lights nodes up live, survives a reload and a lost stream, and approves', async () => {
    const name = await stack.createFlow(showcaseFlow(uniqueName('web')));
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    await context.addInitScript(INSTRUMENT);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      // The flows list links the flow; its page draws every node, labels the branches and has a form.
      const home = await page.goto(`${stack.baseUrl}/`);
      expect(home!.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.locator(`tr[data-flow="${name}"] a`).first().click();
      await page.waitForURL(`**/flows/${name}`);
      await page.locator('[data-node-id]').nth(10).waitFor();
      expect(Object.keys(await statusesOf(page)).sort()).toEqual(
        showcaseFlow(name)
          .nodes.map((n) => n.id)
          .sort(),
      );
      const labels = await page.locator('.react-flow__edge-text').allTextContents();
      expect(labels).toEqual(expect.arrayContaining(['true', 'false']));
      await page.locator('[data-node-id="fetchA"]').hover();
      const tip = await page.locator('[data-node-id="fetchA"] [role="tooltip"]').innerText();
      expect(tip).toMatch(/timeout\s+30s/);
      expect(tip).toMatch(/priority\s+2/);

      await page.locator('input[name="who"]').fill('Grace');
      await page.getByRole('button', { name: /^Run v1$/ }).click();
      await page.waitForURL(/\/runs\/[0-9a-f]{32}$/);
      const runId = page.url().split('/').pop()!;

      // Live: the fan-out turns running, then completed; the failure and the branches settle.
      for (const id of ['fetchA', 'fetchB', 'fetchC']) await waitForStatus(page, id, 'completed');
      await waitForStatus(page, 'ship', 'waiting');
      const seen = await page.evaluate(
        () => (window as unknown as { __statuses: Record<string, string[]> }).__statuses,
      );
      for (const id of ['fetchA', 'fetchB', 'fetchC']) expect(seen[id]).toEqual(['pending', 'running', 'completed']);
      expect(await statusesOf(page)).toMatchObject({
        in: 'completed',
        flaky: 'failed',
        afterFlaky: 'skipped',
        isA: 'completed',
        yes: 'completed',
        no: 'skipped',
        ship: 'waiting',
        out: 'pending',
      });
      await page.locator('section[data-run-status="waiting"]').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}web-run-waiting.png` });

      // A node's panel: its resolved params, output and events.
      await page.locator('[data-node-id="yes"]').click();
      const panel = page.locator('[data-panel-node="yes"]');
      await panel.locator('[data-section="output"]').getByText('Hello, Grace: ABC').waitFor();
      await page.locator('[data-node-id="flaky"]').click();
      const flakyPanel = page.locator('[data-panel-node="flaky"]');
      await flakyPanel.locator('[data-section="error"]').getByText('upstream said no').waitFor();
      expect(JSON.parse(await flakyPanel.locator('[data-section="params"]').innerText())).toEqual({
        value: 'never',
        fail: 'upstream said no',
      });
      const flakyEvents = await page.locator('[data-panel-node="flaky"] [data-seq]').count();

      // Reload mid-run: the same picture, and the stream resumes after the last event drawn.
      const before = await statusesOf(page);
      const lastSeq = Number(await page.locator('[data-run-id]').getAttribute('data-last-seq'));
      expect(lastSeq).toBeGreaterThan(0);
      await page.reload();
      await page.locator('[data-node-id]').nth(10).waitFor();
      await page.locator('[data-stream="live"]').waitFor();
      expect(await statusesOf(page)).toEqual(before);
      const requests = await page.evaluate(() => (window as unknown as { __eventRequests: string[] }).__eventRequests);
      expect(requests).toEqual([String(lastSeq)]);
      await page.locator('[data-node-id="flaky"]').click();
      const seqs = await page
        .locator('[data-panel-node="flaky"] [data-seq]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')));
      expect(seqs.length).toBe(flakyEvents);
      expect(new Set(seqs).size).toBe(seqs.length);

      // A lost connection: the page reconnects with the last event id it drew.
      const cut = await page.evaluate(() => (window as unknown as { __cutStreams: () => number }).__cutStreams());
      expect(cut).toBe(1);
      await page.waitForFunction(
        () => (window as unknown as { __eventRequests: string[] }).__eventRequests.length === 2,
      );
      await page.locator('[data-stream="live"]').waitFor();
      const seqNow = await page.locator('[data-run-id]').getAttribute('data-last-seq');
      expect(await page.evaluate(() => (window as unknown as { __eventRequests: string[] }).__eventRequests[1])).toBe(
        seqNow,
      );

      // Approve from the page; the run completes live.
      await page.locator('[data-approval="ship"] input[name="comment"]').fill('looks good');
      await page.locator('[data-approval="ship"]').getByRole('button', { name: 'Approve' }).click();
      await waitForStatus(page, 'ship', 'completed');
      await waitForStatus(page, 'out', 'completed');
      await page.locator('section[data-run-status="completed"]').waitFor();
      await page.locator('[data-node-id="out"]').click();
      await page.locator('[data-panel-node="out"] [data-section="output"]').getByText('Hello, Grace: ABC').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}web-run-completed.png` });

      // The page agrees with the API, and every event was drawn once (the stream's last id).
      const view = (await stack.api('GET', `/api/v1/runs/${runId}`)).body;
      expect(view.status).toBe('completed');
      expect(view.outputs).toEqual({ greeting: 'Hello, Grace: ABC' });
      const drawn = await statusesOf(page);
      for (const [id, node] of Object.entries(view.nodes as Record<string, { status: string }>))
        expect(drawn[id], id).toBe(node.status);
      const [{ last }] = await stack.sql<{ last: string }[]>`
        SELECT MAX(seq)::text AS last FROM run_events WHERE run_id = ${runId}`;
      expect(await page.locator('[data-run-id]').getAttribute('data-last-seq')).toBe(last);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a retry with its attempt and an llm node's tokens as they stream", async () => {
    const name = await stack.createFlow({
      name: uniqueName('web-live'),
      nodes: [
        {
          id: 'shaky',
          type: 'echo',
          params: { value: 'ok', failAttempts: 1 },
          // Long enough for the page to load and draw the retry on a loaded machine.
          retry: { maximumAttempts: 3, initialInterval: '10s' },
        },
        { id: 'ask', type: 'llm', params: { baseUrl: `${llm.url}/v1`, model: 'fake', prompt: 'Say {{shaky}}' } },
      ],
      edges: [{ source: 'shaky', target: 'ask' }],
    });
    const run = await stack.start(name);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${stack.baseUrl}/runs/${run.runId}`);
      const shaky = page.locator('[data-node-id="shaky"]');
      await page.locator('[data-node-id="shaky"][data-status="retrying"]').waitFor();
      expect(await shaky.innerText()).toContain('retrying · attempt 1 failed');
      await waitForStatus(page, 'shaky', 'completed');
      expect(await shaky.innerText()).toContain('completed · 2 attempts');

      // Tokens show in the node while it runs, not only at the end.
      await waitForStatus(page, 'ask', 'running');
      const tokens = page.locator('[data-node-id="ask"] [data-tokens]');
      await page.waitForFunction(() => {
        const node = document.querySelector('[data-node-id="ask"]');
        return node?.getAttribute('data-status') === 'running' && /word\d/.test(node.textContent ?? '');
      });
      await waitForStatus(page, 'ask', 'completed');
      expect(await tokens.innerText()).toContain(TOKENS.join('').trim().slice(-40));
      expect(await tokens.innerText()).not.toContain('word0 ');
      await page.locator('[data-node-id="ask"]').click();
      await page.locator('[data-panel-node="ask"] .tf-tokens').getByText(TOKENS.join('').trim()).waitFor();
      await page.screenshot({ path: `${ARTIFACTS}web-run-llm.png` });
    } finally {
      await page.close();
    }
  });

  it('re-runs from a node and downloads the history from the run page', async () => {
    const name = await stack.createFlow({
      name: uniqueName('web-rerun'),
      nodes: [
        { id: 'first', type: 'echo', params: { value: 1 } },
        { id: 'second', type: 'echo', params: { value: 2 } },
      ],
      edges: [{ source: 'first', target: 'second' }],
    });
    const run = await stack.run(name);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    try {
      await page.goto(`${stack.baseUrl}/runs/${run.runId}`);
      await page.locator('section[data-run-status="completed"]').waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download history' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`run-${run.runId}.json`);
      await page.getByRole('button', { name: 'Replay' }).click();
      await page.locator('[data-replay="true"]').waitFor({ timeout: 60_000 });

      await page.locator('[data-node-id="second"]').click();
      await page.getByRole('button', { name: 'Re-run from second' }).click();
      await page.waitForURL((url) => /\/runs\/[0-9a-f]{32}$/.test(url.pathname) && !url.pathname.endsWith(run.runId));
      await page.locator('section[data-run-status="completed"]').waitFor();
      await page.locator('[data-node-id="first"]').click();
      await page.locator('[data-panel-node="first"]').getByText('reused from the earlier run').waitFor();
    } finally {
      await context.close();
    }
  });

  it('marks loop and sub-flow nodes and switches versions', async () => {
    const child = await stack.createFlow({
      name: uniqueName('web-child'),
      nodes: [{ id: 'x', type: 'echo', params: { value: 1 } }],
      edges: [],
    });
    const def = (version: number) => ({
      name: `${child}-parent`,
      nodes: [
        { id: 'in', type: 'input' },
        {
          id: 'rows',
          type: 'loop',
          params: {
            items: [1, 2],
            body: {
              nodes: [{ id: 'b', type: 'echo', params: { value: '{{inputs.item}}' } }],
              edges: [],
            },
          },
        },
        { id: 'enrich', type: 'subflow', params: { flow: child, inputs: {} } },
        ...(version > 1 ? [{ id: 'extra', type: 'echo', params: { value: 2 } }] : []),
      ],
      edges: [
        { source: 'in', target: 'rows' },
        { source: 'rows', target: 'enrich' },
      ],
    });
    const name = await stack.createFlow(def(1));
    expect((await stack.api('PUT', `/api/v1/flows/${name}`, def(2))).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${stack.baseUrl}/flows/${name}`);
      await page.locator('[data-node-id="extra"]').waitFor();
      expect(await page.locator('[data-node-id="rows"]').innerText()).toMatch(/↻ loop[\s\S]*body inline/);
      expect(await page.locator('[data-node-id="enrich"]').innerText()).toMatch(
        new RegExp(`⊞ subflow[\\s\\S]*flow ${child}`),
      );
      await page.selectOption('select[name="version"]', '1');
      await page.waitForURL(/\?version=1$/);
      // The switch may pass through an empty graph while version 1 loads: wait for its drawing.
      await page
        .waitForFunction(
          () =>
            !document.querySelector('[data-node-id="extra"]') && document.querySelectorAll('[data-node-id]').length > 0,
          undefined,
          { timeout: 30_000 },
        )
        .catch(() => undefined);
      expect(await page.locator('[data-node-id]').count()).toBe(3);
    } finally {
      await page.close();
    }
  });

  it('lists runs with a flow filter and pages through them without overlap', async () => {
    const name = await stack.createFlow({
      name: uniqueName('web-list'),
      nodes: [{ id: 'only', type: 'echo', params: { value: 1 } }],
      edges: [],
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.run(name)).runId);
    const page = await browser.newPage();
    try {
      // Visibility is eventually consistent: wait until the API lists all three.
      for (let i = 0; (await stack.api('GET', `/api/v1/runs?flow=${name}`)).body.runs.length < 3; i++) {
        if (i > 100) throw new Error('visibility never listed the runs');
        await new Promise((r) => setTimeout(r, 100));
      }
      await page.goto(`${stack.baseUrl}/runs?flow=${name}&limit=2`);
      const rows = page.locator('tr[data-run]');
      await rows.nth(1).waitFor();
      const first = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')));
      await page.getByRole('button', { name: 'Next page →' }).click();
      await page.waitForURL(/page=/);
      await page.waitForFunction((prev) => {
        const now = [...document.querySelectorAll('tr[data-run]')].map((e) => e.getAttribute('data-run'));
        return now.length > 0 && !now.includes(prev);
      }, first[0]);
      const second = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')));
      expect(first).toHaveLength(2);
      expect(second).toHaveLength(1);
      expect([...first, ...second].sort()).toEqual([...ids].sort());
      await expect(page.getByRole('button', { name: 'Next page →' }).count()).resolves.toBe(0);

      const bad = await stack.api('GET', `/api/v1/runs?flow=${name}&pageToken=bm90LWEtdG9rZW4`);
      expect(bad.status, JSON.stringify(bad.body)).toBe(400);
      expect(bad.body.error.message).toContain('pageToken');

      await page.selectOption('select[name="status"]', 'failed');
      await page.getByText('No runs match.').waitFor();
    } finally {
      await page.close();
    }
  });
});

describe('the web page with API keys', () => {
  let keyed: Stack;
  beforeAll(async () => {
    keyed = await startStack({ name: 'web-keys', apiKeys: ['s3cret-key'], worker: false });
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  it('takes the key from #key=… once, clears it from the address bar, and asks for it when missing', async () => {
    const name = uniqueName('web-keyed');
    const created = await keyed.api(
      'POST',
      '/api/v1/flows',
      { name, nodes: [{ id: 'a', type: 'echo' }], edges: [] },
      { authorization: 'Bearer s3cret-key' },
    );
    expect(created.status).toBe(201);

    const context = await browser.newContext();
    const page = await context.newPage();
    const authorizations: (string | undefined)[] = [];
    page.on('request', (r) => r.url().includes('/api/v1/') && authorizations.push(r.headers()['authorization']));
    try {
      await page.goto(`${keyed.baseUrl}/#key=s3cret-key`);
      await page.locator(`tr[data-flow="${name}"]`).waitFor();
      expect(page.url()).toBe(`${keyed.baseUrl}/`);
      expect(authorizations.length).toBeGreaterThan(0);
      expect(authorizations.every((a) => a === 'Bearer s3cret-key')).toBe(true);

      // A new tab has no key: the page asks once, then loads.
      const fresh = await context.newPage();
      await fresh.goto(`${keyed.baseUrl}/`);
      await fresh.locator('input[name="apiKey"]').fill('s3cret-key');
      await fresh.getByRole('button', { name: 'Use this key' }).click();
      await fresh.locator(`tr[data-flow="${name}"]`).waitFor();
    } finally {
      await context.close();
    }
  });
});
