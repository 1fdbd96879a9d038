// The node-kind registry: one line per kind (a kind is one file here; see the README's "Node types").
export { input } from './input.js';
export { output } from './output.js';
export { template } from './template.js';
export { transform } from './transform.js';
export { condition } from './condition.js';
export { echo } from './echo.js';
export { http } from './http.js';
export { llm } from './llm.js';
export { loop } from './loop.js';
export { subflow } from './subflow.js';
export { delay } from './delay.js';
export { approval } from './approval.js';
export { agent } from './agent.js';
export { message } from './message.js';
export { unsupported } from './unsupported.js';
