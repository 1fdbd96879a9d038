import dagre from '@dagrejs/dagre';
import type { FlowDefinition, FlowNode } from './api';

export const NODE_WIDTH = 210;
export const nodeHeight = (node: FlowNode) => (node.type === 'llm' || node.type === 'agent' ? 104 : 70);

/** Top-to-bottom layered layout (dagre): the top-left corner of every node. */
export function layoutFlow(def: FlowDefinition): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 64, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of def.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: nodeHeight(n) });
  for (const e of def.edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of def.nodes) {
    const p = g.node(n.id);
    positions.set(n.id, { x: p.x - NODE_WIDTH / 2, y: p.y - nodeHeight(n) / 2 });
  }
  return positions;
}
