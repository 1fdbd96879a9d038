import {
  applyLangflowTweaks,
  convertLangflow,
  type ConvertResult,
  type LangflowExport,
} from '../../../langflow/index.js';
import type { Tweaks } from '../../../flow/index.js';
import type { Sql } from '../../../infra/index.js';
import { getFlow, type FlowRecord } from '../../flow-store.js';
import { HttpError, notFound } from '../../http-error.js';
import { parseBody } from '../../validation.js';
import { runRequestSchema } from '../../schemas.js';

/** What an imported flow version was converted from: the export and the import options. */
export interface LangflowSource {
  export: LangflowExport;
  options: { webSearchUrl?: string };
}

export async function saveLangflowSource(sql: Sql, flow: FlowRecord, source: LangflowSource): Promise<void> {
  await sql`
    INSERT INTO langflow_sources (flow_id, version, source)
    VALUES (${flow.id}, ${flow.version}, ${sql.json(source as never)})`;
}

/** A flow to run, with its Langflow source (if imported) converted with the request's tweaks. */
export interface PreparedRun {
  flow: FlowRecord;
  source?: LangflowSource;
  converted?: ConvertResult;
  /** The request's tweaks as native ones (`{nodeId: params}`), if any. */
  tweaks?: Tweaks;
}

/**
 * The flow `ref`, its Langflow source converted again with the Langflow tweaks applied, and the
 * node params that differ from the stored version as native tweaks. A native flow takes native tweaks.
 */
export async function prepareRun(
  sql: Sql,
  ref: string,
  lfTweaks: Record<string, unknown> | null | undefined,
): Promise<PreparedRun> {
  const flow = await getFlow(sql, ref);
  if (!flow) throw notFound(`flow "${ref}"`);
  const [row] = await sql<{ source: LangflowSource }[]>`
    SELECT source FROM langflow_sources WHERE flow_id = ${flow.id} AND version = ${flow.version}`;
  const source = row?.source;
  if (!source) {
    // A native flow: tweaks are native ones ({nodeId: {param: value}}).
    const tweaks = lfTweaks ? parseBody(runRequestSchema.shape.tweaks, lfTweaks, 'tweaks') : undefined;
    return { flow, source, converted: undefined, tweaks: tweaks as Tweaks | undefined };
  }
  const tweaked = applyLangflowTweaks(source.export, lfTweaks);
  if (tweaked.problems.length)
    throw new HttpError(
      400,
      'invalid_request',
      `invalid tweaks: ${tweaked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      tweaked.problems,
    );
  const converted = convertLangflow(tweaked.export, { ...source.options, name: flow.name });
  const tweaks: Tweaks = {};
  const stored = new Map(flow.definition.nodes.map((n) => [n.id, n]));
  for (const node of converted.definition.nodes) {
    const before = stored.get(node.id);
    if (before && JSON.stringify(before.params ?? {}) !== JSON.stringify(node.params ?? {}))
      tweaks[node.id] = node.params ?? {};
  }
  return { flow, source, converted, tweaks: Object.keys(tweaks).length ? tweaks : undefined };
}
