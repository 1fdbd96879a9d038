import type { Logger, Sql } from '../infra/index.js';
import type { EventAppender } from '../events/index.js';

/** What the worker hands createActivities. */
export interface ActivityDeps {
  sql: Sql;
  logger: Logger;
  httpAllowHosts: readonly string[];
  blobThresholdBytes: number;
  env?: NodeJS.ProcessEnv;
  /** Where events are written (the worker's EarlyEvents); a plain EventWriter on `sql` by default. */
  events?: EventAppender;
}
