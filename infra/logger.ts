import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON in production, pretty on a terminal in dev. Secrets are redacted wherever they are named. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>, name: string): Logger {
  const pretty = config.LOG_FORMAT
    ? config.LOG_FORMAT === 'pretty'
    : process.env.NODE_ENV !== 'production' && process.stdout.isTTY;
  return pino({
    name,
    level: config.LOG_LEVEL,
    redact: {
      paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization', 'secrets', '*.secrets'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } } : {}),
  });
}

/** A logger in the shape the Temporal SDK takes (bundler, Runtime) that drops everything. */
export const silentLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
