import { patched } from '@temporalio/workflow';

/** Behaviour changes of the interpreter that histories recorded before them must not see, oldest first. */
const CHANGES = [
  'pure-nodes-local',
  'worker-lost-retry',
  'events-ride-activities',
  'outbox-fewer-writes',
  'pure-chains-ahead',
  'loop-concurrency-remainder',
  'lean-activations',
  'loop-cancelled',
  'child-cancelled-outside',
] as const;
export type Change = (typeof CHANGES)[number];

/**
 * Engines, newest first: each a patch whose one marker stands for every change up to and including
 * `through`. A run started now records the newest engine's marker (and the one TemporalChangeVersion
 * upsert Temporal adds to a patch) instead of one per change it meets. A history recorded before has
 * no such marker: each change replays by an older engine that covers it, else by its own patch id,
 * as recorded. A run that began on older code and goes on here gets the marker where it first asks,
 * and every change from there on, as each change's own `patched()` would give it.
 *
 * The next change: add its id at the end of CHANGES and a new engine in front, through it (the
 * newest engine must cover every change: test/unit/engine.test.ts).
 */
export const ENGINES: readonly { id: string; through: Change }[] = [
  { id: 'engine-2026-12', through: 'child-cancelled-outside' },
  { id: 'engine-2026-11', through: 'lean-activations' },
];

export { CHANGES };

const covers = (engine: { through: Change }, id: Change) => CHANGES.indexOf(id) <= CHANGES.indexOf(engine.through);

/** Whether this run has `id`: a `patched()` that records one marker per engine, not one per change. */
export function changed(id: Change): boolean {
  const [newest, ...older] = ENGINES;
  if (covers(newest, id) && patched(newest.id)) return true;
  return older.some((e) => covers(e, id) && patched(e.id)) || patched(id);
}
