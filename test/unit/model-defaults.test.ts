import { describe, expect, it } from 'vitest';
import { withModelDefaults, type ModelSettings } from '../../activities/model-defaults.js';

// The default key comes from the environment here, so no query reaches this (absent) database.
const sql = undefined as never;
const fill = (e: NodeJS.ProcessEnv, params: ModelSettings) => withModelDefaults(sql, e, params);
const env = { LLM_BASE_URL: 'https://models.internal/v1', LLM_MODEL: 'm', SECRET_LLM_API_KEY: 'sk-operator' };

describe('withModelDefaults', () => {
  it('fills base URL, model and the operator key for a node that sets none', async () => {
    const filled = await fill(env, {});
    expect(filled.params).toEqual({ baseUrl: 'https://models.internal/v1', model: 'm', apiKey: 'sk-operator' });
    expect(filled.addedSecret).toBe('sk-operator');
  });

  it('sends the operator key to the default base URL only, never to one a flow chose', async () => {
    // Anyone who may save a flow could otherwise point baseUrl at a server of theirs and read the key.
    const elsewhere = await fill(env, { baseUrl: 'https://attacker.example/v1' });
    expect(elsewhere.params.apiKey).toBeUndefined();
    expect(elsewhere.addedSecret).toBeUndefined();
    // The same URL as the default (a trailing slash aside) still gets it…
    const same = await fill(env, { baseUrl: 'https://models.internal/v1/' });
    expect(same.params.apiKey).toBe('sk-operator');
    // …and without LLM_BASE_URL the default is OpenAI's.
    const noBase = { ...env, LLM_BASE_URL: undefined };
    expect((await fill(noBase, { baseUrl: 'https://api.openai.com/v1' })).params.apiKey).toBe('sk-operator');
    expect((await fill(noBase, { baseUrl: 'http://localhost:11434/v1' })).params.apiKey).toBe(undefined);
    // A node's own key is its own business.
    expect((await fill(env, { baseUrl: 'https://attacker.example/v1', apiKey: 'sk-node' })).params.apiKey).toBe(
      'sk-node',
    );
  });
});
