import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../dev/chromium.js';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({ name: 'ui' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the Temporal Web UI', () => {
  it('finds a run by flow name and shows its nodes by id and type on the timeline', async () => {
    const ui = process.env.TEST_TEMPORAL_UI_URL!;
    const name = await stack.createFlow({
      name: uniqueName('ui'),
      nodes: [
        { id: 'fetchPage', type: 'echo', params: { value: 'page' } },
        { id: 'summarize', type: 'transform', params: { expression: '$uppercase(fetchPage)' } },
      ],
      edges: [{ source: 'fetchPage', target: 'summarize' }],
    });
    const run = await stack.run(name);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    try {
      await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(`FlowName="${name}"`)}`, {
        waitUntil: 'networkidle',
      });
      await page.getByText(run.workflowId).first().waitFor({ timeout: 30_000 });

      await page.goto(`${ui}/namespaces/default/workflows/${run.workflowId}`, { waitUntil: 'networkidle' });
      await page.getByText('fetchPage · echo').first().waitFor({ timeout: 30_000 });
      // Pure nodes run as local activities: the timeline names them by type, and the node id is
      // in the marker's summary (the event's User Metadata).
      await page.getByText('transform', { exact: true }).first().waitFor({ timeout: 30_000 });
      const history = await stack.client.workflow.getHandle(run.workflowId).fetchHistory();
      const summaries = (history.events ?? [])
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
        .map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString());
      expect(summaries).toContain(JSON.stringify('summarize · transform'));
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}temporal-ui-run.png`, fullPage: true });
      expect(await page.innerText('body')).toContain('COMPLETED');
    } finally {
      await page.close();
    }
  });
});
