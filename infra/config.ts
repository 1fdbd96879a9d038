import { createHash } from 'node:crypto';
import { z } from 'zod';

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** The embedded Postgres that `npm run dev` starts; every process uses it when DATABASE_URL is unset. */
export const EMBEDDED_DATABASE_URL = 'postgres://tempoflow:tempoflow@127.0.0.1:54329/tempoflow';

/** What a worker runs at once, caches and waits for at shutdown, unless the environment says otherwise. */
export const WORKER_DEFAULTS = {
  WORKER_MAX_ACTIVITIES: 200,
  WORKER_MAX_WORKFLOW_TASKS: 40,
  WORKER_SHUTDOWN_GRACE: '30s',
  WORKER_MAX_CACHED_WORKFLOWS: 500,
  WORKER_EARLY_EVENTS: true,
  WORKER_WORKFLOW_STACK_TRACES: false,
} as const;

/** A switch read from the environment: exactly `true` or `false`, else `fallback`. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

export const configSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('tempoflow'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().optional(),
  API_KEYS: csv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  HTTP_ALLOW_HOSTS: csv,
  DATA_DIR: z.string().default('.data'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  BODY_LIMIT: z.string().default('1mb'),
  BLOB_THRESHOLD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().positive().default(WORKER_DEFAULTS.WORKER_MAX_ACTIVITIES),
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().positive().default(WORKER_DEFAULTS.WORKER_MAX_WORKFLOW_TASKS),
  WORKER_SHUTDOWN_GRACE: z.string().default(WORKER_DEFAULTS.WORKER_SHUTDOWN_GRACE),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(WORKER_DEFAULTS.WORKER_MAX_CACHED_WORKFLOWS),
  /** Store events drafted in a workflow as each activation ends (worker/create-worker.ts); `false` turns it off. */
  WORKER_EARLY_EVENTS: flag(WORKER_DEFAULTS.WORKER_EARLY_EVENTS),
  /** Promise stack traces in workflow threads, for the stack trace query (worker/workflow-threads.ts); off by default. */
  WORKER_WORKFLOW_STACK_TRACES: flag(WORKER_DEFAULTS.WORKER_WORKFLOW_STACK_TRACES),
  RETENTION_DAYS: z.coerce.number().min(0).default(30),
  SSE_MAX_STREAMS: z.coerce.number().int().positive().default(1000),
  SSE_MAX_STREAMS_PER_KEY: z.coerce.number().int().positive().default(100),
  /** Defaults for llm/agent nodes that leave them empty (the key is the secret LLM_API_KEY). */
  LLM_BASE_URL: z.string().url().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  /** GET /metrics of the worker (its own series and the Temporal SDK's); off when unset. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  /** OTLP/HTTP collector for traces (infra/telemetry.ts reads it and the other OTEL_* variables); off when empty. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
});

export type Config = z.infer<typeof configSchema> & { databaseUrl: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses process.env once; a bad value is one sentence naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${problems}. Fix these variables and start again.`);
  }
  return { ...parsed.data, databaseUrl: parsed.data.DATABASE_URL ?? EMBEDDED_DATABASE_URL };
}

export interface ApiKey {
  /** Who holds the key: signs approvals (`by`) and counts event streams. */
  name: string;
  key: string;
}

const KEY_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * `API_KEYS` entries: `name:key` names the holder; a plain `key` (no colon, or an unnamed one) is
 * named `key-<first 8 hex of its SHA-256>`, stable and safe to show.
 */
export function parseApiKeys(entries: readonly string[]): ApiKey[] {
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon) : '';
    if (KEY_NAME.test(name) && colon < entry.length - 1) return { name, key: entry.slice(colon + 1) };
    return { name: `key-${createHash('sha256').update(entry).digest('hex').slice(0, 8)}`, key: entry };
  });
}
