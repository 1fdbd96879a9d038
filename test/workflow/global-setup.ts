import type { TestProject } from 'vitest/node';
import { provisionTestServer } from './test-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testServerPath: string;
  }
}

/** Provisions the time-skipping test server once for every workflow test file. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('testServerPath', await provisionTestServer());
}
