import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../bundle/index.js';
import { silentLogger } from '../../infra/index.js';

const FORBIDDEN = [
  /node_modules\/postgres\//,
  /node_modules\/undici\//,
  /node_modules\/openai\//,
  /node_modules\/jsonata\//,
  /activities\/nodes\//,
  /activities\/index\.ts/,
  /lib\/sql\.ts/,
  /node_modules\/pino\//,
];

/** Modules in a bundle that workflow code must never reach. */
function forbiddenIn(code: string): string[] {
  return FORBIDDEN.filter((re) => re.test(code)).map(String);
}

describe('workflow bundle', () => {
  it('builds with no Node built-in reachable and none of postgres, pino or the activity implementations', async () => {
    // bundleWorkflowCode fails on any Node built-in unless it is explicitly ignored; none is.
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silentLogger });
    expect(forbiddenIn(code)).toEqual([]);
    expect(code).toContain('runFlow');
  }, 120_000);

  it('catches a workflow module that reaches activity implementations', async () => {
    const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/reaches-activities.ts', import.meta.url));
    const logged: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void logged.push(message) };
    await expect(bundleWorkflowCode({ workflowsPath, logger })).rejects.toThrow(/Webpack finished with errors/);
    // The build fails because activity code pulls Node built-ins and their modules into the bundle.
    const report = logged.join('\n');
    expect(report).toMatch(/ERROR in node:/);
    expect(report).toMatch(/\.\/activities\//);
  }, 120_000);
});
