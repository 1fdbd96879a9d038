import jsonata from 'jsonata';
import { buildGraph, type GraphDef } from '../flow/index.js';
import { echo, type NodeContext } from '../activities/index.js';

const ctx = {
  attempt: 1,
  heartbeat() {},
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
} as unknown as NodeContext;

/**
 * A plain in-process async executor of the same graph, with no durability: what Langflow-style
 * execution costs. Each node starts when its inputs are done; supports the bench's node types.
 */
export async function runInProcess(def: GraphDef, inputs: Record<string, unknown>): Promise<Map<string, unknown>> {
  const graph = buildGraph(def);
  const outputs = new Map<string, unknown>();
  const done = new Map<string, Promise<void>>();
  const run = (id: string): Promise<void> => {
    let p = done.get(id);
    if (!p) {
      const node = graph.nodes.get(id)!;
      p = Promise.all(graph.incoming.get(id)!.map((e) => run(e.source))).then(async () => {
        if (node.type === 'echo') outputs.set(id, await echo(node.params as never, ctx));
        else if (node.type === 'transform')
          outputs.set(
            id,
            await jsonata(String(node.params?.expression)).evaluate({ inputs, ...Object.fromEntries(outputs) }),
          );
        else outputs.set(id, node.type === 'input' ? inputs : null);
      });
      done.set(id, p);
    }
    return p;
  };
  await Promise.all(graph.order.map(run));
  return outputs;
}
