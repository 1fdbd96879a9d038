export * from './config.js';
export * from './logger.js';
export * from './sql.js';
export * from './db-errors.js';
export * from './postgres-guard.js';
export * from './temporal.js';
export * from './fatal.js';
export * from './free-port.js';
export * from './metrics.js';
export * from './storable.js';
// Not here: telemetry.ts, which loads OpenTelemetry; the mains import it only when tracing is on.
