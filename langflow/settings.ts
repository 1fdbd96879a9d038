import { field, fieldValue, type LangflowNode } from './export.js';

/** Model, base URL and key of a native llm/agent node. */
export interface ModelSettings {
  model?: string;
  baseUrl?: string;
  apiKey?: string;
}

/**
 * Model, base URL and key of a Langflow model component; empty ones are left to the worker's
 * defaults (and noted). A literal API key is refused (the reason is returned): keys must not enter
 * the flow definition or run history, only secret names.
 */
export function modelSettings(n: LangflowNode, notes: string[]): ModelSettings | string {
  const out: ModelSettings = {};
  const model = fieldValue(n, 'model');
  const modelName = fieldValue(n, 'model_name');
  if (typeof model === 'string' && model) out.model = model;
  else if (Array.isArray(model) && model.length && typeof (model[0] as { name?: unknown })?.name === 'string')
    out.model = (model[0] as { name: string }).name;
  else if (typeof modelName === 'string' && modelName) out.model = modelName;
  for (const f of ['base_url', 'openai_api_base', 'api_base', 'ollama_base_url']) {
    const v = fieldValue(n, f);
    if (typeof v === 'string' && /^https?:\/\//.test(v)) {
      out.baseUrl = f === 'ollama_base_url' ? `${v.replace(/\/$/, '')}/v1` : v;
      break;
    }
  }
  const key = field(n, 'api_key');
  if (key && typeof key.value === 'string' && key.value) {
    if (key.load_from_db === true || /^[A-Z][A-Z0-9_]*$/.test(key.value)) out.apiKey = `{{secrets.${key.value}}}`;
    else return 'api_key holds a literal key: store it as a secret (SECRET_<NAME>) and put the secret name in api_key';
  }
  if (!out.model) notes.push('no model set: uses LLM_MODEL from the worker environment');
  if (!out.baseUrl) notes.push('no base URL set: uses LLM_BASE_URL from the worker environment (OpenAI-compatible)');
  const provider = fieldValue(n, 'provider');
  if (typeof provider === 'string' && provider && !/openai/i.test(provider))
    notes.push(`provider "${provider}" is called through its OpenAI-compatible API`);
  return out;
}

const SCHEMA_TYPES: Record<string, string> = {
  str: 'string',
  text: 'string',
  int: 'integer',
  float: 'number',
  number: 'number',
  bool: 'boolean',
  boolean: 'boolean',
  dict: 'object',
  list: 'array',
};

/** Langflow's output_schema table → JSON Schema; undefined when the table is empty. */
export function outputSchema(value: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const properties: Record<string, unknown> = {};
  for (const row of value) {
    const r = (row ?? {}) as { name?: unknown; type?: unknown; description?: unknown; multiple?: unknown };
    if (typeof r.name !== 'string' || !r.name) continue;
    const type = String(r.type ?? 'str');
    const base: Record<string, unknown> = { type: Object.hasOwn(SCHEMA_TYPES, type) ? SCHEMA_TYPES[type] : 'string' };
    if (typeof r.description === 'string' && r.description) base.description = r.description;
    const multiple = r.multiple === true || String(r.multiple).toLowerCase() === 'true';
    properties[r.name] = multiple ? { type: 'array', items: base } : base;
  }
  const names = Object.keys(properties);
  if (!names.length) return undefined;
  return { type: 'object', properties, required: names, additionalProperties: false };
}

/** Langflow's headers table (`[{key, value}]`) → a header object; rows without a key are dropped. */
export function headersOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value))
    for (const row of value) {
      const { key, value: v } = (row ?? {}) as { key?: unknown; value?: unknown };
      if (typeof key === 'string' && key) out[key] = String(v ?? '');
    }
  return out;
}
