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
      await page.getByText('summarize · transform').first().waitFor({ timeout: 30_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}temporal-ui-run.png`, fullPage: true });
      expect(await page.innerText('body')).toContain('COMPLETED');
    } finally {
      await page.close();
    }
  });
});
