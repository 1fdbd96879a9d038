import type { RunFlowInput } from '../flow/index.js';
import { HttpError } from './http-error.js';

/** A flow imported with unsupported components (marked nodes) cannot run: 422 listing them all. */
export function refuseUnsupported(def: {
  nodes: { id: string; type: string; params?: Record<string, unknown> }[];
}): void {
  const marked = def.nodes.flatMap((n, i) => (n.type === 'unsupported' ? [{ ...n, at: i }] : []));
  if (marked.length === 0) return;
  const details = marked.map((n) => ({
    path: `$.nodes[${n.at}]`,
    message: String(n.params?.reason ?? ''),
    id: String(n.params?.langflowId ?? n.id),
    type: String(n.params?.component ?? ''),
    reason: String(n.params?.reason ?? ''),
  }));
  throw new HttpError(
    422,
    'unsupported_components',
    `this flow has ${marked.length} unsupported component${marked.length === 1 ? '' : 's'}: ${details.map((d) => `${d.id} (${d.type}): ${d.reason}`).join('; ')}`,
    details,
  );
}

/** The one-line summary the Temporal UI lists a run by: flow, version and its inputs (cut at 120 characters). */
export function runSummary(input: RunFlowInput): string {
  const text = JSON.stringify(input.inputs);
  return `${input.flow.name} v${input.flow.version} · ${text.length > 120 ? `${text.slice(0, 117)}…` : text}`;
}

/** The Markdown the Temporal UI shows as a run's details: its nodes, edges and origin. */
export function runDetails(input: RunFlowInput): string {
  const def = input.flow.definition;
  const nodes = def.nodes.map((n) => `| ${n.id} | ${n.type} | ${n.onError ?? 'fail'} |`);
  const edges = def.edges.map((e) => `- ${e.source}${e.sourceHandle ? ` (${e.sourceHandle})` : ''} → ${e.target}`);
  return [
    `### ${input.flow.name} v${input.flow.version}`,
    def.description ?? '',
    `Origin: ${input.origin}${input.rerunOf ? ` · re-run of ${input.rerunOf} from ${input.fromNode}` : ''}`,
    '',
    '| node | type | onError |',
    '|---|---|---|',
    ...nodes,
    '',
    '**Edges**',
    ...edges,
  ].join('\n');
}
