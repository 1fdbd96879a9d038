import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/index.js';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
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
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silent });
    expect(forbiddenIn(code)).toEqual([]);
    expect(code).toContain('runFlow');
  }, 120_000);

  it('catches a workflow module that reaches activity implementations', async () => {
    const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/reaches-activities.ts', import.meta.url));
    let problem: string;
    try {
      const { code } = await bundleWorkflowCode({ workflowsPath, logger: silent });
      problem = forbiddenIn(code).join(', ');
    } catch (err) {
      problem = (err as Error).message;
    }
    expect(problem).toMatch(/disallowed|activities|postgres|node:|webpack finished with errors/i);
  }, 120_000);
});
