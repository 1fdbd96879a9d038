import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../infra/index.js';
import { OPERATOR_KEY_SECRET } from '../flow/index.js';
import { loadSecrets, MISSING_SECRET } from './secrets.js';

/** Where a node without baseUrl (and a worker without LLM_BASE_URL) sends its calls. */
export const LLM_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export interface ModelSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

/**
 * Fills what an llm or agent node leaves empty from the worker's environment: LLM_BASE_URL,
 * LLM_MODEL and the secret LLM_API_KEY (env SECRET_LLM_API_KEY or the secrets store). Returns the
 * key it added so the caller masks it like any other secret. The operator's key goes only to the
 * operator's base URL: a node that sends its calls elsewhere names its own key (else anyone who may
 * save a flow could point baseUrl at a server of theirs and read the key from its header).
 */
export async function withModelDefaults<T extends ModelSettings>(
  sql: Sql,
  env: NodeJS.ProcessEnv,
  params: T,
): Promise<{ params: T; addedSecret?: string }> {
  const out: T = { ...params };
  const operatorUrl = env.LLM_BASE_URL || LLM_DEFAULT_BASE_URL;
  const toOperator = !out.baseUrl || sameUrl(out.baseUrl, operatorUrl);
  if (!out.baseUrl && env.LLM_BASE_URL) out.baseUrl = env.LLM_BASE_URL;
  if (!out.model && env.LLM_MODEL) out.model = env.LLM_MODEL;
  if (!out.model)
    throw ApplicationFailure.nonRetryable(
      'no model: set params.model on the node, or LLM_MODEL in the worker environment',
      'InvalidParams',
    );
  let addedSecret: string | undefined;
  if (!out.apiKey && toOperator) {
    try {
      addedSecret = (await loadSecrets(sql, [OPERATOR_KEY_SECRET], env)).get(OPERATOR_KEY_SECRET);
      out.apiKey = addedSecret;
    } catch (err) {
      if (!(err instanceof ApplicationFailure && err.type === MISSING_SECRET)) throw err;
    }
  }
  return { params: out, addedSecret };
}
