export { createApp } from './app.js';
export type { App, AppDeps } from './app.js';
