import type { EdgeDef, FlowDefinition, NodeDef } from '../flow/index.js';
import { componentType, displayName, type LangflowNode } from './export.js';

export type ComponentStatus = 'mapped' | 'tool' | 'ignored' | 'unsupported';

/** What one Langflow component became. */
export interface ComponentReport {
  id: string;
  type: string;
  displayName: string;
  status: ComponentStatus;
  /** Native node ids (for a tool: the agent that carries it). */
  nodes: string[];
  /** e.g. `message`, `llm`, `agent tool url_fetch`. */
  as?: string;
  reason?: string;
  notes?: string[];
}

export interface UnsupportedComponent {
  id: string;
  type: string;
  reason: string;
}

export interface ConvertOptions {
  /** Flow name to store under (default: endpoint_name when valid, else the export's name as a slug). */
  name?: string;
  /** Base URL of the `http` tool that stands in for Langflow's web search (a SearXNG-style `?q=` endpoint). */
  webSearchUrl?: string;
}

export interface ConvertResult {
  definition: FlowDefinition;
  components: ComponentReport[];
  unsupported: UnsupportedComponent[];
  /** Langflow node id → native node id. */
  ids: Record<string, string>;
  /** Native output name → the Langflow output component it stands for. */
  outputs: Record<string, { id: string; type: string; displayName: string }>;
}

/** A value another component reads: a native node's output, or a path into it. */
export interface Ref {
  root: string;
  path: string[];
}

/** How a converted component's output is read downstream: as text, and whole. */
export interface Read {
  text: Ref;
  data: Ref;
}

/** Output name (Langflow's, on the edge) → how that output is read. */
export type Reader = (output: string | undefined) => Read;

export const placeholder = (ref: Ref): string => `{{${[ref.root, ...ref.path].join('.')}}}`;

/** The read of node `root`: its text at `text`, its whole value at `data` (default: `.text` and the node). */
export const readAt = (root: string, text: string[] = ['text'], data: string[] = []): Read => ({
  text: { root, path: text },
  data: { root, path: data },
});

/**
 * The conversion so far: native nodes and edges, the per-component report, and how each converted
 * component is read downstream. Filled in component by component, sources before readers.
 */
export class Conversion {
  readonly nodes: NodeDef[] = [];
  readonly edges: EdgeDef[] = [];
  readonly components: ComponentReport[] = [];
  readonly unsupported: UnsupportedComponent[] = [];
  readonly outputs: ConvertResult['outputs'] = {};
  readonly reads = new Map<string, Reader>();
  /** Readers of a loop's `done` read its unwrapping node, so their edges start there. */
  readonly via = new Map<string, string>();

  /** @param ids Langflow node id → native node id. */
  constructor(readonly ids: Record<string, string>) {}

  report(n: LangflowNode, r: Omit<ComponentReport, 'id' | 'type' | 'displayName'>): void {
    this.components.push({ id: n.id, type: componentType(n), displayName: displayName(n), ...r });
  }

  /** An unsupported component: an `unsupported` node keeps the graph whole, and the report says why. */
  refuse(n: LangflowNode, reason: string): void {
    const id = this.ids[n.id];
    this.unsupported.push({ id: n.id, type: componentType(n), reason });
    this.report(n, { status: 'unsupported', nodes: [id], reason });
    this.nodes.push({
      id,
      type: 'unsupported',
      label: displayName(n),
      params: { component: componentType(n), reason, langflowId: n.id },
    });
    this.reads.set(n.id, () => readAt(id));
  }
}
