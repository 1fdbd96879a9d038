import { memo, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  useReactFlow,
  useStore,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { FlowDefinition, FlowNode, NodeStatus } from './api';
import { layoutFlow, NODE_WIDTH, nodeHeight } from './layout';
import type { NodeView, RunPicture } from './run-state';
import { formatDuration } from './status';

type GraphNodeData = { node: FlowNode; view?: NodeView };
type GraphNodeType = Node<GraphNodeData, 'tempoflow'>;

const TYPE_MARK: Record<string, string> = {
  loop: '↻',
  subflow: '⊞',
  condition: '◇',
  approval: '✔',
  llm: '✦',
  agent: '✦',
  http: '⇄',
  delay: '◷',
  input: '→',
  output: '⇥',
};

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

const ACTIVE: ReadonlySet<NodeStatus> = new Set(['running', 'retrying', 'waiting']);

function statusLabel(node: FlowNode, view?: NodeView): string {
  const status = view?.status ?? 'pending';
  if (!view) return status;
  switch (status) {
    case 'running':
      if (node.type === 'loop' && view.items !== undefined)
        return `running · ${view.itemsDone ?? 0}/${view.items} items`;
      return view.attempt > 1 ? `running · attempt ${view.attempt}` : 'running';
    case 'retrying':
      return `retrying · attempt ${view.attempt} failed`;
    case 'waiting':
      return node.type === 'approval' ? 'waiting for approval' : 'waiting';
    case 'completed':
      return view.reused
        ? 'completed · reused'
        : view.attempt > 1
          ? `completed · ${view.attempt} attempts`
          : 'completed';
    case 'failed':
      return view.attempt > 1 ? `failed · ${view.attempt} attempts` : 'failed';
    default:
      return status;
  }
}

/** The latest tokens that fit the node's two lines. */
const tail = (tokens = '') => (tokens.length > 64 ? `…${tokens.slice(-64).trimStart()}` : tokens);

function describe(value: unknown): string {
  return value === undefined ? 'default' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const GraphNode = memo(function GraphNode({ data }: NodeProps<GraphNodeType>) {
  const { node, view } = data;
  const status = view?.status ?? 'pending';
  const now = useNow(ACTIVE.has(status));
  const elapsed =
    view?.startedAt && !view.reused
      ? (view.endedAt ? Date.parse(view.endedAt) : now) - Date.parse(view.startedAt)
      : undefined;
  const streams = node.type === 'llm' || node.type === 'agent';
  const detail =
    node.type === 'subflow'
      ? `flow ${String(node.params?.flow ?? '')}${node.params?.version ? ` v${String(node.params.version)}` : ''}`
      : node.type === 'loop'
        ? `body ${typeof node.params?.body === 'string' ? node.params.body : 'inline'}`
        : undefined;
  return (
    <div
      className={`tf-node status-${status}`}
      data-node-id={node.id}
      data-status={status}
      data-type={node.type}
      style={{ width: NODE_WIDTH, minHeight: nodeHeight(node) }}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="tf-node-head">
        <span className="tf-node-id">{node.id}</span>
        <span className={`tf-node-type type-${node.type}`}>
          {TYPE_MARK[node.type] ? `${TYPE_MARK[node.type]} ` : ''}
          {node.type}
        </span>
      </div>
      {detail && <div className="tf-node-detail">{detail}</div>}
      <div className="tf-node-status">
        <span className="tf-dot" />
        <span className="tf-node-status-label">{statusLabel(node, view)}</span>
        {elapsed !== undefined && elapsed >= 0 && <span className="tf-node-elapsed">{formatDuration(elapsed)}</span>}
      </div>
      {streams && (
        <div className="tf-node-tokens" data-tokens>
          {tail(view?.tokens)}
        </div>
      )}
      <div className="tf-node-tip" role="tooltip">
        <dl>
          <dt>id</dt>
          <dd>{node.id}</dd>
          <dt>type</dt>
          <dd>{node.type}</dd>
          <dt>retry</dt>
          <dd>{describe(node.retry)}</dd>
          <dt>timeout</dt>
          <dd>{node.timeout ?? 'default (10m)'}</dd>
          <dt>priority</dt>
          <dd>{node.priority ?? "the run's (3)"}</dd>
          <dt>on error</dt>
          <dd>{node.onError ?? 'fail'}</dd>
        </dl>
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { tempoflow: GraphNode };

const STATUS_COLOR: Record<NodeStatus, string> = {
  pending: '#cbd5e1',
  running: '#2563eb',
  retrying: '#d97706',
  waiting: '#7c3aed',
  completed: '#16a34a',
  failed: '#dc2626',
  skipped: '#e2e8f0',
  cancelled: '#64748b',
};

const ARROW = { type: MarkerType.ArrowClosed, width: 16, height: 16 };
const FIT = { padding: 0.12, maxZoom: 1.1 };

/** Fits the flow again when the canvas changes size (a banner appears), until the user pans or zooms. */
function FitOnResize({ touched }: { touched: { current: boolean } }) {
  const { fitView } = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  useEffect(() => {
    if (!touched.current && width && height) void fitView(FIT);
  }, [width, height, fitView, touched]);
  return null;
}

export interface GraphProps {
  definition: FlowDefinition;
  picture?: RunPicture;
  selected?: string;
  onSelect?: (nodeId: string | undefined) => void;
}

/**
 * The flow drawn top to bottom. Node objects are rebuilt only for nodes whose view changed, so a
 * run's events redraw the nodes they name and nothing else.
 */
export function FlowGraph({ definition, picture, selected, onSelect }: GraphProps) {
  const positions = useMemo(() => {
    performance.mark('tempoflow:layout-start');
    const p = layoutFlow(definition);
    performance.measure('tempoflow:layout', 'tempoflow:layout-start');
    return p;
  }, [definition]);
  const cache = useRef(new Map<string, { view?: NodeView; selected: boolean; node: GraphNodeType }>());
  useEffect(() => cache.current.clear(), [definition]);

  const nodes = useMemo(
    () =>
      definition.nodes.map((n) => {
        const view = picture?.nodes[n.id];
        const isSelected = selected === n.id;
        const hit = cache.current.get(n.id);
        if (hit && hit.view === view && hit.selected === isSelected && hit.node.data.node === n) return hit.node;
        const node: GraphNodeType = {
          id: n.id,
          type: 'tempoflow',
          position: positions.get(n.id) ?? { x: 0, y: 0 },
          data: { node: n, view },
          selected: isSelected,
          draggable: false,
          connectable: false,
        };
        cache.current.set(n.id, { view, selected: isSelected, node });
        return node;
      }),
    [definition, picture, selected, positions],
  );

  const touched = useRef(false);
  const kinds = useMemo(() => new Map(definition.nodes.map((n) => [n.id, n.type])), [definition]);
  const small = definition.nodes.length <= 60;
  const edgeCache = useRef(new Map<number, { key: string; edge: Edge }>());
  useEffect(() => edgeCache.current.clear(), [definition]);
  const edges = useMemo(
    () =>
      definition.edges.map((e, i): Edge => {
        const targetStatus = picture?.nodes[e.target]?.status;
        const sourceStatus = picture?.nodes[e.source]?.status;
        const key = `${sourceStatus}|${targetStatus}`;
        const hit = edgeCache.current.get(i);
        if (hit && hit.key === key) return hit.edge;
        const branch = kinds.get(e.source) === 'condition' ? e.sourceHandle : undefined;
        const dead = targetStatus === 'skipped' && sourceStatus !== 'pending';
        const edge: Edge = {
          id: `e${i}-${e.source}-${e.target}`,
          source: e.source,
          target: e.target,
          label: branch ?? (e.targetHandle ? `→ ${e.targetHandle}` : undefined),
          className: [branch ? `branch-${branch}` : '', dead ? 'dead' : ''].join(' '),
          // Animated edges repaint every frame; on large graphs that costs more than it tells.
          animated: small && (targetStatus === 'running' || targetStatus === 'retrying'),
          // Top to bottom says the direction; arrowheads on hundreds of edges cost every redraw.
          markerEnd: small ? ARROW : undefined,
          labelBgPadding: [4, 2],
          labelBgBorderRadius: 4,
        };
        edgeCache.current.set(i, { key, edge });
        return edge;
      }),
    [definition, kinds, picture, small],
  );

  return (
    <div className="tf-graph" data-graph-nodes={definition.nodes.length}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={FIT}
        onMoveStart={(event) => {
          if (event) touched.current = true;
        }}
        minZoom={0.05}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        onNodeClick={(_e, node) => onSelect?.(node.id)}
        onPaneClick={() => onSelect?.(undefined)}
        proOptions={{ hideAttribution: true }}
      >
        <FitOnResize touched={touched} />
        <Background gap={24} size={1} color="#e2e8f0" />
        <Controls showInteractive={false} />
        {definition.nodes.length > 30 && (
          <MiniMap
            pannable
            zoomable
            nodeColor={(n) => STATUS_COLOR[(n.data as GraphNodeData).view?.status ?? 'pending']}
          />
        )}
      </ReactFlow>
    </div>
  );
}
