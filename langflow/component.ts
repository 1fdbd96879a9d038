import type { AgentTool, NodeDef } from '../flow/index.js';
import {
  componentType,
  displayName,
  edgeEnds,
  fieldValue,
  type LangflowEdge,
  type LangflowExport,
  type LangflowNode,
} from './export.js';
import {
  readAt,
  type ComponentReport,
  type Conversion,
  type ConvertOptions,
  type ConvertResult,
  type Read,
  type Reader,
  type UnsupportedComponent,
} from './conversion.js';
import type { LoopBody } from './loop-body.js';
import { TOOL_OUTPUT } from './tools.js';

/** What holds for the whole export while its components are mapped. */
export interface ExportScope {
  nodes: LangflowNode[];
  edges: LangflowEdge[];
  /** The ids of `nodes`. */
  known: Set<string>;
  /** Langflow node id → native node id. */
  ids: Record<string, string>;
  options: ConvertOptions;
  /** Agent id → the tools folded into it. */
  toolsOf: Map<string, AgentTool[]>;
  bodies: Map<string, LoopBody>;
  /** Converts another export (a loop body) with the same options. */
  convert: (exp: LangflowExport) => ConvertResult;
}

/** One Langflow component being mapped, with what its mapper needs to read and to produce. */
export interface Component {
  n: LangflowNode;
  type: string;
  /** Its native node id. */
  id: string;
  label: string;
  /** The edges into it (tool edges left out): the input field each feeds. */
  inputs: { edge: LangflowEdge; output?: string; field?: string }[];
  /** Notes for the report, collected while mapping. */
  notes: string[];
  /** The value feeding `fieldName` through an edge, read as text or whole. */
  fed(fieldName: string): Read | undefined;
  /** A template field as a string ('' when unset). */
  str(fieldName: string): string;
  /** The run's session: the component's session_id when set, else the run input's. */
  sessionId(): string;
  /** Maps the component to `node` (labelled with the component's name); `read` says how readers read it. */
  add(node: Omit<NodeDef, 'label'>, as: string, read: Read | Reader): void;
  /** A node that follows the one `add` made (an output, a loop's done): an edge to it, listed in the same report. */
  attach(node: NodeDef): void;
  /** Reports of the components converted inside this one (a loop body), listed before its own. */
  inner(components: ComponentReport[], unsupported: UnsupportedComponent[]): void;
  /** A node that stands for no reported component (a loop body's item input and result output). */
  place(node: NodeDef, read?: Read): void;
  refuse(reason: string): void;
  /** Makes this component's node a run output, named by the node id. */
  runOutput(): void;
  /** Readers of this component read another node. */
  readVia(nodeId: string, read: Read): void;
}

/** A component mapper: turns one component into native nodes through `c.add`, or refuses it. */
export type Mapper = (c: Component, scope: ExportScope) => void;

export function component(n: LangflowNode, conversion: Conversion, scope: ExportScope): Component {
  const id = conversion.ids[n.id];
  const label = displayName(n);
  const inputs = scope.edges
    .filter((e) => e.target === n.id && scope.known.has(e.source))
    .map((e) => ({ edge: e, ...edgeEnds(e) }))
    .filter((i) => i.output !== TOOL_OUTPUT);
  const notes: string[] = [];
  const str = (f: string) => {
    const v = fieldValue(n, f);
    return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  };
  const setRead = (read: Read | Reader) => conversion.reads.set(n.id, typeof read === 'function' ? read : () => read);
  return {
    n,
    type: componentType(n),
    id,
    label,
    inputs,
    notes,
    fed: (fieldName) => {
      const edge = inputs.find((i) => i.field === fieldName);
      return edge ? conversion.reads.get(edge.edge.source)?.(edge.output) : undefined;
    },
    str,
    sessionId: () => (str('session_id') ? str('session_id') : '{{inputs.session_id}}'),
    add: (node, as, read) => {
      conversion.nodes.push({ ...node, label });
      conversion.report(n, { status: 'mapped', nodes: [node.id], as, ...(notes.length ? { notes } : {}) });
      setRead(read);
    },
    attach: (node) => {
      conversion.nodes.push(node);
      conversion.edges.push({ source: id, target: node.id });
      conversion.components.at(-1)!.nodes.push(node.id);
    },
    inner: (components, unsupported) => {
      conversion.components.push(...components);
      conversion.unsupported.push(...unsupported);
    },
    place: (node, read) => {
      conversion.nodes.push(node);
      if (read) setRead(read);
    },
    refuse: (reason) => conversion.refuse(n, reason),
    runOutput: () => {
      conversion.outputs[id] = { id: n.id, type: componentType(n), displayName: label };
    },
    readVia: (nodeId, read) => {
      conversion.via.set(n.id, nodeId);
      setRead(read);
    },
  };
}

/** The component's read when it is a message node: `.text` as text, the message whole. */
export const messageRead = (c: Component): Read => readAt(c.id);
