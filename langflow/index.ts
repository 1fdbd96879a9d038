export * from './export.js';
export * from './convert.js';
export * from './tweaks.js';
export type {
  ComponentReport,
  ComponentStatus,
  ConvertOptions,
  ConvertResult,
  UnsupportedComponent,
} from './conversion.js';
export { toNodeId, flowNameOf } from './graph.js';
export { convertPrompt, promptVariables, parserExpression } from './prompt.js';
export { outputSchema } from './settings.js';
export { DEFAULT_WEB_SEARCH_URL } from './tools.js';
