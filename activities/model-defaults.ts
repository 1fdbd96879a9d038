import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../infra/index.js';
import { loadSecrets, MISSING_SECRET } from './secrets.js';

/** The secret that serves as API key for every llm/agent node that names none. */
export const DEFAULT_KEY_SECRET = 'LLM_API_KEY';

export interface ModelSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

/**
 * Fills what an llm or agent node leaves empty from the worker's environment: LLM_BASE_URL,
 * LLM_MODEL and the secret LLM_API_KEY (env SECRET_LLM_API_KEY or the secrets store). Returns the
 * key it added so the caller masks it like any other secret.
 */
export async function withModelDefaults<T extends ModelSettings>(
  sql: Sql,
  env: NodeJS.ProcessEnv,
  params: T,
): Promise<{ params: T; addedSecret?: string }> {
  const out: T = { ...params };
  if (!out.baseUrl && env.LLM_BASE_URL) out.baseUrl = env.LLM_BASE_URL;
  if (!out.model && env.LLM_MODEL) out.model = env.LLM_MODEL;
  if (!out.model)
    throw ApplicationFailure.nonRetryable(
      'no model: set params.model on the node, or LLM_MODEL in the worker environment',
      'InvalidParams',
    );
  let addedSecret: string | undefined;
  if (!out.apiKey) {
    try {
      addedSecret = (await loadSecrets(sql, [DEFAULT_KEY_SECRET], env)).get(DEFAULT_KEY_SECRET);
      out.apiKey = addedSecret;
    } catch (err) {
      if (!(err instanceof ApplicationFailure && err.type === MISSING_SECRET)) throw err;
    }
  }
  return { params: out, addedSecret };
}
