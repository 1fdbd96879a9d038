export * from './event-log.js';
export * from './event-writer.js';
export * from './event-hub.js';
export * from './sse-frames.js';
export * from './early-events.js';
