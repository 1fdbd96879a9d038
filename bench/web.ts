/**
 * The web page under load, in Debian's Chromium: how long a 200-node flow takes to draw, and whether
 * the run page keeps up with a run of it (each node's colour change against its event's time).
 * `npm run bench` runs it as the `web-200` scenario, against the bench's own API and worker.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWeb } from '../dev/build-web.js';
import { createSseParser } from '../events/index.js';
import { CHROMIUM_PATH, launchChromium } from '../dev/chromium.js';

const NODES = 200;
const LAYERS = 10;

/** input → a 2 s gate (the page is open before the work starts) → 9 layers of 22 echoes, each reading two of the layer above → output: 200 nodes. */
export function layeredFlow(name: string) {
  const nodes: { id: string; type: string; params?: Record<string, unknown> }[] = [
    { id: 'in', type: 'input' },
    { id: 'gate', type: 'echo', params: { value: 0, durationMs: 2000 } },
  ];
  const edges: { source: string; target: string }[] = [{ source: 'in', target: 'gate' }];
  const perLayer = (NODES - 3) / (LAYERS - 1);
  let above = ['gate'];
  for (let l = 0; l < LAYERS - 1; l++) {
    const layer = Array.from(
      { length: Math.round(perLayer * (l + 1)) - Math.round(perLayer * l) },
      (_, i) => `l${l}n${i}`,
    );
    layer.forEach((id, i) => {
      nodes.push({ id, type: 'echo', params: { value: i, durationMs: 20 * (i % 5) } });
      for (const source of new Set([above[i % above.length], above[(i * 7 + 3) % above.length]]))
        edges.push({ source, target: id });
    });
    above = layer;
  }
  nodes.push({ id: 'out', type: 'output', params: { value: 'done' } });
  for (const source of above) edges.push({ source, target: 'out' });
  return { name, nodes, edges };
}

const round = (x: number) => Math.round(x * 10) / 10;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
};

export interface WebBenchResult {
  nodes: number;
  /** Chromium's nice value during the measurement, and the machine's load averages at the end. */
  browserNice: number;
  loadAverage: number[];
  drawMs: { min: number; median: number; max: number };
  layoutMs: number;
  /** Event `ts` → the page shows it (lag*), and → a bare SSE client in this process receives it (streamLag*). */
  run: {
    events: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
    completedLagMs: number;
    /** Redraws of the run page (events are drawn at most once per frame) and what they cost. */
    redraws: number;
    redrawP50Ms: number;
    redrawP99Ms: number;
    redrawTotalMs: number;
    /** From the gate's completion to run.completed: the stretch the lags are measured over. */
    runMs: number;
    streamLagP50Ms: number;
    streamLagP99Ms: number;
  };
}

/** `base` is a running API (with a worker); `trials` page loads are timed. */
export async function benchWeb(base: string, trials: number, log: (s: string) => void): Promise<WebBenchResult> {
  await buildWeb();
  const name = `bench-web-${NODES}`;
  const def = layeredFlow(name);
  if (def.nodes.length !== NODES) throw new Error(`layeredFlow has ${def.nodes.length} nodes, not ${NODES}`);
  const stored = await fetch(`${base}/api/v1/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(def),
  });
  if (stored.status !== 201 && stored.status !== 409) throw new Error(`store ${name}: ${await stored.text()}`);

  // A user's browser runs on their own machine, not beside the API, worker, Postgres and Temporal:
  // as root, the bench gives Chromium a higher CPU priority (nice -10) so the figures are the page's
  // own cost rather than its wait for two shared cores.
  const niceDir = mkdtempSync(path.join(os.tmpdir(), 'tempoflow-chromium-'));
  const browserNice = process.getuid?.() === 0 ? -10 : 0;
  const executablePath = browserNice ? path.join(niceDir, 'chromium') : CHROMIUM_PATH;
  if (browserNice) {
    writeFileSync(executablePath, `#!/bin/sh\nexec nice -n ${browserNice} ${CHROMIUM_PATH} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const browser = await launchChromium(executablePath);
  try {
    // Drawing: from navigation start to all 200 nodes in the DOM (scripts, API reads, layout, render).
    const draws: number[] = [];
    const layouts: number[] = [];
    for (let i = 0; i <= trials; i++) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(`${base}/flows/${name}`);
      const drawn = await page.waitForFunction(
        (n) => document.querySelectorAll('[data-node-id]').length >= n && performance.now(),
        NODES,
        { polling: 'raf', timeout: 30_000 },
      );
      const layout = await page.evaluate(
        () => performance.getEntriesByName('tempoflow:layout').at(-1)?.duration ?? Number.NaN,
      );
      if (i > 0) {
        draws.push(Number(await drawn.jsonValue()));
        layouts.push(layout);
      }
      await page.close();
    }

    // Updating: every data-status change, timed in the page (same clock as the server's event ts).
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.addInitScript(() => {
      const seen: [string, string, number][] = [];
      (window as unknown as { __seen: typeof seen }).__seen = seen;
      new MutationObserver((records) => {
        const now = Date.now();
        for (const r of records) {
          const el = r.target as Element;
          seen.push([
            el.getAttribute('data-node-id') ?? '',
            el.getAttribute('data-status') ?? el.getAttribute('data-run-status') ?? '',
            now,
          ]);
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status', 'data-run-status'] });
    });
    const started = (await (
      await fetch(`${base}/api/v1/flows/${name}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { runId: string };
    const reading = readAll(`${base}/api/v1/runs/${started.runId}/events`);
    await page.goto(`${base}/runs/${started.runId}`);
    await page.locator('section[data-run-status="completed"]').waitFor({ timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { __seen: [string, string, number][] }).__seen);
    const redraws = await page.evaluate(() => performance.getEntriesByName('tempoflow:redraw').map((e) => e.duration));
    const shownAt = new Map(seen.map(([id, status, at]) => [`${id}:${status}`, at]));
    const runShownAt = seen.find(([id, status]) => id === '' && status === 'completed')?.[2];

    const events = await reading;
    const gateDone = events.find((e) => e.type === 'node.completed' && e.nodeId === 'gate');
    const lags: number[] = [];
    const streamLags: number[] = [];
    for (const e of events) {
      if (e.type !== 'node.completed' || !gateDone || e.seq <= gateDone.seq) continue;
      const at = shownAt.get(`${e.nodeId}:completed`);
      if (at === undefined) throw new Error(`the page never showed ${e.nodeId} completed`);
      lags.push(at - Date.parse(e.ts));
      streamLags.push(e.receivedAt - Date.parse(e.ts));
    }
    const end = events.find((e) => e.type === 'run.completed');
    await page.close();
    const result: WebBenchResult = {
      nodes: NODES,
      browserNice,
      loadAverage: os.loadavg().map((x) => round(x)),
      drawMs: {
        min: round(Math.min(...draws)),
        median: pct(draws, 50),
        max: round(Math.max(...draws)),
      },
      layoutMs: pct(layouts, 50),
      run: {
        events: events.length,
        lagP50Ms: pct(lags, 50),
        lagP99Ms: pct(lags, 99),
        lagMaxMs: round(Math.max(...lags)),
        completedLagMs: runShownAt && end ? round(runShownAt - Date.parse(end.ts)) : Number.NaN,
        redraws: redraws.length,
        redrawP50Ms: pct(redraws, 50),
        redrawP99Ms: pct(redraws, 99),
        redrawTotalMs: round(redraws.reduce((a, b) => a + b, 0)),
        runMs: end && gateDone ? round(Date.parse(end.ts) - Date.parse(gateDone.ts)) : Number.NaN,
        streamLagP50Ms: pct(streamLags, 50),
        streamLagP99Ms: pct(streamLags, 99),
      },
    };
    log(`web-200: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await browser.close();
    rmSync(niceDir, { recursive: true, force: true });
  }
}

async function readAll(url: string) {
  const res = await fetch(url);
  const parse = createSseParser();
  const events: { seq: number; type: string; nodeId?: string; ts: string; receivedAt: number }[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const receivedAt = Date.now();
    for (const f of parse(decoder.decode(chunk, { stream: true })))
      if (f.data)
        events.push({ ...(JSON.parse(f.data) as { type: string; ts: string }), seq: Number(f.id), receivedAt });
  }
  return events;
}
