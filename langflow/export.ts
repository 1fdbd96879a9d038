/** The parts of a Langflow export (Langflow 1.x `Flow` JSON) that the importer reads. */
export interface LangflowField {
  value?: unknown;
  load_from_db?: boolean;
  _input_type?: string;
  [key: string]: unknown;
}

export interface LangflowNode {
  id: string;
  type?: string;
  data?: {
    id?: string;
    type?: string;
    node?: {
      display_name?: string;
      template?: Record<string, LangflowField>;
      tool_mode?: boolean;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface LangflowHandle {
  id?: string;
  name?: string;
  fieldName?: string;
  [key: string]: unknown;
}

export interface LangflowEdge {
  source: string;
  target: string;
  sourceHandle?: string;
  targetHandle?: string;
  data?: { sourceHandle?: LangflowHandle; targetHandle?: LangflowHandle };
  [key: string]: unknown;
}

export interface LangflowExport {
  id?: string;
  name?: string;
  description?: string | null;
  endpoint_name?: string | null;
  data: { nodes: LangflowNode[]; edges: LangflowEdge[] };
  [key: string]: unknown;
}

/** `œ` is how Langflow quotes inside handle strings; the decoded handle is the edge's data when absent. */
function decodeHandle(handle: string | undefined): LangflowHandle | undefined {
  if (!handle) return undefined;
  try {
    return JSON.parse(handle.replace(/œ/g, '"')) as LangflowHandle;
  } catch {
    return undefined;
  }
}

/** The output name an edge leaves from and the input field it feeds. */
export function edgeEnds(edge: LangflowEdge): { output?: string; field?: string } {
  const source = edge.data?.sourceHandle ?? decodeHandle(edge.sourceHandle);
  const target = edge.data?.targetHandle ?? decodeHandle(edge.targetHandle);
  // A loop-back edge targets an output that allows loops (Langflow's Loop `item`): it names no field.
  return { output: source?.name, field: target?.fieldName ?? target?.name };
}

export function componentType(node: LangflowNode): string {
  return String(node.data?.type ?? node.data?.node?.display_name ?? node.type ?? 'unknown');
}

export function displayName(node: LangflowNode): string {
  return String(node.data?.node?.display_name ?? componentType(node));
}

export function isNote(node: LangflowNode): boolean {
  return node.type === 'noteNode';
}

/** The value of a template field, or undefined when the component has no such field. */
export function fieldValue(node: LangflowNode, field: string): unknown {
  return node.data?.node?.template?.[field]?.value;
}

export function field(node: LangflowNode, name: string): LangflowField | undefined {
  return node.data?.node?.template?.[name];
}

/** Shape problems of a body that should be a Langflow export, each with a JSON path. */
export function exportProblems(body: unknown): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return [{ path: '$', message: 'expected a Langflow export: an object with data.nodes and data.edges' }];
  const data = (body as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null)
    return [{ path: '$.data', message: 'missing: a Langflow export keeps its graph in data.nodes and data.edges' }];
  const { nodes, edges } = data as { nodes?: unknown; edges?: unknown };
  if (!Array.isArray(nodes)) problems.push({ path: '$.data.nodes', message: 'must be an array of components' });
  else
    nodes.forEach((n, i) => {
      if (typeof n !== 'object' || n === null || typeof (n as { id?: unknown }).id !== 'string')
        problems.push({ path: `$.data.nodes[${i}].id`, message: 'each node needs a string id' });
    });
  if (edges !== undefined && !Array.isArray(edges))
    problems.push({ path: '$.data.edges', message: 'must be an array of edges' });
  else
    (edges as unknown[] | undefined)?.forEach((e, i) => {
      const edge = e as { source?: unknown; target?: unknown } | null;
      if (typeof edge?.source !== 'string' || typeof edge?.target !== 'string')
        problems.push({ path: `$.data.edges[${i}]`, message: 'each edge needs string source and target' });
    });
  return problems;
}
