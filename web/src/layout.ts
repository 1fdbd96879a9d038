import dagre from '@dagrejs/dagre';
import type { FlowDefinition, FlowNode } from './api';

export const NODE_WIDTH = 210;
export const nodeHeight = (node: FlowNode) => (node.type === 'llm' || node.type === 'agent' ? 104 : 70);

const NODE_GAP = 28;
const RANK_GAP = 64;
/** Above this many nodes dagre's crossing reduction takes hundreds of ms; a lighter layered layout draws at once. */
const DAGRE_MAX_NODES = 80;

type Positions = Map<string, { x: number; y: number }>;

/** Top-to-bottom layered layout: the top-left corner of every node. */
export function layoutFlow(def: FlowDefinition): Positions {
  return def.nodes.length <= DAGRE_MAX_NODES ? dagreLayout(def) : layeredLayout(def);
}

function dagreLayout(def: FlowDefinition): Positions {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: NODE_GAP, ranksep: RANK_GAP, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of def.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: nodeHeight(n) });
  for (const e of def.edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const positions: Positions = new Map();
  for (const n of def.nodes) {
    const p = g.node(n.id);
    positions.set(n.id, { x: p.x - NODE_WIDTH / 2, y: p.y - nodeHeight(n) / 2 });
  }
  return positions;
}

/**
 * Longest-path ranks, barycentre ordering (a few sweeps each way), then each node pulled towards
 * its neighbours while keeping its rank's order and spacing. Linear-ish in nodes and edges.
 */
function layeredLayout(def: FlowDefinition): Positions {
  const ids = def.nodes.map((n) => n.id);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of def.edges) {
    if (!preds.has(e.target) || !succs.has(e.source)) continue;
    preds.get(e.target)!.push(e.source);
    succs.get(e.source)!.push(e.target);
  }
  const rank = new Map<string, number>();
  const indegree = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (const id of queue) rank.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const s of succs.get(id)!) {
      rank.set(s, Math.max(rank.get(s) ?? 0, rank.get(id)! + 1));
      indegree.set(s, indegree.get(s)! - 1);
      if (indegree.get(s) === 0) queue.push(s);
    }
  }
  for (const id of ids) if (!rank.has(id)) rank.set(id, 0); // a cycle (refused when saved): draw it anyway
  const ranks: string[][] = [];
  for (const id of queue.length === ids.length ? queue : ids) (ranks[rank.get(id)!] ??= []).push(id);

  const order = new Map<string, number>();
  const renumber = (r: string[]) => r.forEach((id, i) => order.set(id, i));
  ranks.forEach(renumber);
  const sweep = (r: string[], neighbours: Map<string, string[]>) => {
    const bary = new Map(
      r.map((id) => {
        const ns = neighbours.get(id)!;
        return [id, ns.length ? ns.reduce((a, n) => a + order.get(n)!, 0) / ns.length : order.get(id)!];
      }),
    );
    r.sort((a, b) => bary.get(a)! - bary.get(b)!);
    renumber(r);
  };
  for (let k = 0; k < 4; k++) {
    for (let i = 1; i < ranks.length; i++) sweep(ranks[i], preds);
    for (let i = ranks.length - 2; i >= 0; i--) sweep(ranks[i], succs);
  }

  const step = NODE_WIDTH + NODE_GAP;
  const x = new Map<string, number>();
  for (const r of ranks) r.forEach((id, i) => x.set(id, (i - (r.length - 1) / 2) * step));
  const place = (r: string[], neighbours: Map<string, string[]>) => {
    const want = r.map((id) => {
      const ns = neighbours.get(id)!;
      return ns.length ? ns.reduce((a, n) => a + x.get(n)!, 0) / ns.length : x.get(id)!;
    });
    const got = [...want];
    for (let i = 1; i < got.length; i++) got[i] = Math.max(got[i], got[i - 1] + step);
    for (let i = got.length - 2; i >= 0; i--) got[i] = Math.min(got[i], got[i + 1] - step);
    const shift = want.reduce((a, w, i) => a + w - got[i], 0) / got.length;
    r.forEach((id, i) => x.set(id, got[i] + shift));
  };
  for (let k = 0; k < 3; k++) {
    for (let i = 1; i < ranks.length; i++) place(ranks[i], preds);
    for (let i = ranks.length - 2; i >= 0; i--) place(ranks[i], succs);
  }

  const heights = new Map(def.nodes.map((n) => [n.id, nodeHeight(n)]));
  const positions: Positions = new Map();
  let y = 16;
  for (const r of ranks) {
    const tallest = Math.max(...r.map((id) => heights.get(id)!));
    for (const id of r) positions.set(id, { x: x.get(id)!, y: y + (tallest - heights.get(id)!) / 2 });
    y += tallest + RANK_GAP;
  }
  return positions;
}
