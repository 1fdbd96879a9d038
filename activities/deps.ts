import type { Logger, Sql } from '../infra/index.js';

/** What the worker hands createActivities. */
export interface ActivityDeps {
  sql: Sql;
  logger: Logger;
  httpAllowHosts: readonly string[];
  blobThresholdBytes: number;
  env?: NodeJS.ProcessEnv;
}
