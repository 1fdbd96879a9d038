import { ApplicationFailure } from '@temporalio/activity';
import {
  SECRET_FIELDS_TEXT,
  findPlaceholders,
  getPath,
  resolvePlaceholders,
  secretAllowed,
  type NodeActivityInput,
} from '../flow/index.js';
import { derefDeep } from '../runs/index.js';
import { type Sql } from '../infra/index.js';
import { loadFlowSecrets } from './secrets.js';

export interface ResolvedParams {
  params: Record<string, unknown>;
  /** `inputs` and the referenced ancestors' outputs, blobs loaded. */
  scope: Record<string, unknown>;
  /** The values of the secrets the params named, by name. */
  secrets: Map<string, string>;
}

/**
 * Resolves a node's placeholders inside an activity: stored blobs are loaded, and `{{secrets.NAME}}`
 * is read (only where the node kind allows it, and only when `allowSecrets`).
 */
export function createParamResolver(sql: Sql, env: NodeJS.ProcessEnv) {
  return async function resolveParams(input: NodeActivityInput, allowSecrets: boolean): Promise<ResolvedParams> {
    const scope = (await derefDeep(sql, input.scope)) as Record<string, unknown>;
    const secretRefs = findPlaceholders(input.params).filter((r) => r.root === 'secrets');
    const misplaced = secretRefs.find((r) => !allowSecrets || !secretAllowed(input.type, r.at[0]));
    if (misplaced)
      throw ApplicationFailure.nonRetryable(
        `"{{${misplaced.expression}}}" cannot be used in a ${input.type} node's "${String(misplaced.at[0])}": secrets may appear only in the connection fields of ${SECRET_FIELDS_TEXT}`,
        'InvalidParams',
      );
    const secretNames = secretRefs.map((r) => String(r.path[0]));
    const secrets = secretNames.length ? await loadFlowSecrets(sql, secretNames, env) : new Map<string, string>();
    const params = resolvePlaceholders(input.params, (ref) => {
      if (ref.root === 'secrets') return { found: true, value: secrets.get(String(ref.path[0])) };
      return { found: true, value: getPath(scope[ref.root], ref.path) };
    }) as Record<string, unknown>;
    return { params, scope, secrets };
  };
}

export type ParamResolver = ReturnType<typeof createParamResolver>;
