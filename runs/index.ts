export * from './blobs.js';
export * from './run-rows.js';
export * from './temporal-runs.js';
export * from './retention.js';
