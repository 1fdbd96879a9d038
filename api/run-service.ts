import type { Client } from '@temporalio/client';
import type { Sql } from '../infra/index.js';
import { createRunCommands } from './run-commands.js';
import { listRuns, type ListRunsRequest } from './run-list.js';
import { createRunView } from './run-view.js';

export type { RunLinks, RunView } from './run-view.js';

export interface RunServiceDeps {
  sql: Sql;
  client: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
}

/** What the routers use of runs: the commands (run-commands.ts), the view (run-view.ts) and the list (run-list.ts). */
export function createRunService(deps: RunServiceDeps) {
  const view = createRunView(deps);
  const commands = createRunCommands({ ...deps, view });
  const list = (filter: ListRunsRequest) => listRuns({ ...deps, links: view.links }, filter);
  return { ...view, ...commands, list };
}

export type RunService = ReturnType<typeof createRunService>;
