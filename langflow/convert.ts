import type { AgentTool } from '../flow/index.js';
import {
  componentType,
  edgeEnds,
  isNote,
  type LangflowEdge,
  type LangflowExport,
  type LangflowNode,
} from './export.js';
import { Conversion, type ConvertOptions, type ConvertResult } from './conversion.js';
import { component, type ExportScope, type Mapper } from './component.js';
import { flowNameOf, nativeEdges, nativeIds, topoOrder } from './graph.js';
import { loopBodies } from './loop-body.js';
import { DATA_MAPPERS } from './map-data.js';
import { IO_MAPPERS } from './map-io.js';
import { LOOP_MAPPERS } from './map-loop.js';
import { MODEL_MAPPERS } from './map-models.js';
import { isTool, toolFor } from './tools.js';

/** Langflow component type → its mapper; a type not listed is refused. */
const MAPPERS: Record<string, Mapper> = { ...IO_MAPPERS, ...DATA_MAPPERS, ...MODEL_MAPPERS, ...LOOP_MAPPERS };

const unmapped: Mapper = (c) => c.refuse(`no Tempoflow mapping for the Langflow component "${c.type}"`);

/**
 * Converts a Langflow export into a native flow definition and a per-component report. Pure: no
 * I/O. Unsupported components become `unsupported` nodes (so the graph stays whole) and are listed.
 */
export function convertLangflow(exp: LangflowExport, options: ConvertOptions = {}): ConvertResult {
  const lfNodes = exp.data.nodes;
  const lfEdges = exp.data.edges ?? [];
  const ids = nativeIds(lfNodes);
  const conversion = new Conversion(ids);
  const bodies = loopBodies(lfNodes, lfEdges);
  const inBody = new Set([...bodies.values()].flatMap((b) => [...b.members]));
  const converted = lfNodes.filter((n) => !isNote(n) && !inBody.has(n.id));

  // Tools first: they are folded into the agents they feed.
  const tools = converted.filter((n) => isTool(n, lfEdges));
  const isFolded = new Set(tools);
  const toolsOf = foldTools(tools, lfNodes, lfEdges, options, conversion);
  for (const n of lfNodes) if (isNote(n)) conversion.report(n, { status: 'ignored', nodes: [], reason: 'a note' });

  const scope: ExportScope = {
    nodes: lfNodes,
    edges: lfEdges,
    known: new Set(lfNodes.map((n) => n.id)),
    ids,
    options,
    toolsOf,
    bodies,
    convert: (inner: LangflowExport) => convertLangflow(inner, options),
  };
  // Components in an order where every source is converted before its readers.
  for (const n of topoOrder(
    converted.filter((n) => !isFolded.has(n)),
    lfEdges,
  )) {
    const type = componentType(n);
    const mapper = Object.hasOwn(MAPPERS, type) ? MAPPERS[type] : unmapped;
    mapper(component(n, conversion, scope), scope);
  }

  // Edges between converted components (tools and notes are folded away).
  const present = new Set(conversion.nodes.map((n) => n.id));
  const edges = nativeEdges(lfEdges, ids, conversion.via, present, conversion.edges);
  const description =
    typeof exp.description === 'string' && exp.description ? exp.description.slice(0, 2000) : undefined;
  return {
    definition: {
      name: options.name ?? flowNameOf(exp),
      ...(description ? { description } : {}),
      nodes: conversion.nodes.length ? conversion.nodes : [{ id: 'empty', type: 'input' }],
      edges,
    },
    components: conversion.components,
    unsupported: conversion.unsupported,
    ids,
    outputs: conversion.outputs,
  };
}

/**
 * Components in tool mode become agent tools of the Agents whose `tools` input they feed, reported
 * as `tool`; one with no tool mapping, or that feeds no Agent, is refused. Returns agent id → tools.
 */
function foldTools(
  tools: LangflowNode[],
  lfNodes: LangflowNode[],
  lfEdges: LangflowEdge[],
  options: ConvertOptions,
  conversion: Conversion,
): Map<string, AgentTool[]> {
  const byId = new Map(lfNodes.map((n) => [n.id, n]));
  const toolsOf = new Map<string, AgentTool[]>();
  for (const n of tools) {
    const agents = lfEdges
      .filter((e) => e.source === n.id && edgeEnds(e).field === 'tools')
      .map((e) => e.target)
      .filter((t) => byId.has(t) && componentType(byId.get(t)!) === 'Agent');
    const tool = toolFor(n, options);
    if (typeof tool === 'string') {
      conversion.refuse(n, tool);
      continue;
    }
    if (agents.length === 0) {
      conversion.refuse(n, 'a component in tool mode must feed the "tools" input of an Agent');
      continue;
    }
    for (const a of agents) toolsOf.set(a, [...(toolsOf.get(a) ?? []), tool.tool]);
    conversion.report(n, {
      status: 'tool',
      nodes: agents.map((a) => conversion.ids[a]),
      as: `agent tool ${tool.tool.kind} "${tool.tool.name}"`,
      ...(tool.notes.length ? { notes: tool.notes } : {}),
    });
  }
  return toolsOf;
}
