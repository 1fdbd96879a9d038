import { placeholder, readAt } from './conversion.js';
import type { Mapper } from './component.js';
import { SYNTHETIC, SYNTHETIC_ITEM, SYNTHETIC_RESULT, bodyExport } from './loop-body.js';

/**
 * Langflow's Loop: a loop node whose inline body is the cycle through its `item`, converted as an
 * export of its own; `done` becomes a transform that unwraps the items' results.
 */
const loop: Mapper = (c, scope) => {
  const body = scope.bodies.get(c.n.id);
  const source = c.fed('data');
  if (!body) return c.refuse('no loop body: connect the Loop "item" output through components back into "item"');
  if (!source) return c.refuse('the Loop "data" input is not connected');
  if (body.outside.length)
    return c.refuse(
      `the loop body reads ${body.outside.join(', ')} from outside the loop; a loop body sees only its item`,
    );
  const inner = scope.convert(bodyExport(c.n, body, scope.nodes, scope.edges));
  const doneId = `${c.id.slice(0, 58)}_done`;
  c.inner(
    inner.components.filter((r) => !r.id.startsWith(SYNTHETIC)),
    inner.unsupported,
  );
  c.add(
    {
      id: c.id,
      type: 'loop',
      params: {
        // A message (File, ChatInput) gives its text: CSV rows; anything else its value (a list).
        items: placeholder(
          source.text.path.join('.') === 'text' && source.data.path.length === 0 ? source.text : source.data,
        ),
        body: { nodes: inner.definition.nodes, edges: inner.definition.edges },
        concurrency: 1,
      },
    },
    `loop (body: ${[...body.members].map((m) => scope.ids[m]).join(', ')})`,
    readAt(doneId, [], []),
  );
  c.attach({ id: doneId, type: 'transform', label: `${c.label} (done)`, params: { expression: `\`${c.id}\`.item[]` } });
  c.readVia(doneId, readAt(doneId, [], []));
};

/** The loop body's item: an input named `item`. */
const item: Mapper = (c) =>
  c.place({ id: c.id, type: 'input', label: 'Loop item', params: { name: 'item' } }, readAt(c.id));

/** The loop body's result: an output named `item` with what the loop-back edge carried. */
const result: Mapper = (c) => {
  const source = c.fed('value');
  c.place({
    id: c.id,
    type: 'output',
    label: 'Loop result',
    params: { name: 'item', value: source ? placeholder(source.data) : null },
  });
};

/** Langflow's Loop and the two nodes a loop body's export gains: type → mapper. */
export const LOOP_MAPPERS: Record<string, Mapper> = {
  LoopComponent: loop,
  [SYNTHETIC_ITEM]: item,
  [SYNTHETIC_RESULT]: result,
};
