export * from './export.js';
export * from './convert.js';
export * from './tweaks.js';
