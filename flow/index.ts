export * from './schema.js';
export * from './node-types.js';
export * from './graph.js';
export * from './placeholders.js';
export * from './validate.js';
export * from './tweaks.js';
export * from './duration.js';
export * from './run-types.js';
