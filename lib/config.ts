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
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().positive().default(200),
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().positive().default(40),
  WORKER_SHUTDOWN_GRACE: z.string().default('30s'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  /** GET /metrics of the worker (its own series and the Temporal SDK's); off when unset. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  /** OTLP/HTTP collector for traces (lib/telemetry.ts reads it and the other OTEL_* variables); off when empty. */
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
