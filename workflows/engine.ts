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
] as const;
export type Change = (typeof CHANGES)[number];

/**
 * Engines, newest first: each a patch whose one marker stands for every change it covers. A run
 * started now records the newest engine's marker (and the one TemporalChangeVersion upsert Temporal
 * adds to a patch) instead of one per change it meets. A history recorded before has no such marker:
 * each change replays by an older engine that covers it, else by its own patch id, as recorded. A
 * run that began on older code and goes on here gets the marker where it first asks, and every
 * change from there on, as each change's own `patched()` would give it.
 *
 * The next change adds its id to `Change` and a new engine in front that covers it and all before.
 */
const ENGINES: readonly { id: string; covers: readonly Change[] }[] = [
  // The newest covers every change; an older one keeps the list it had.
  { id: 'engine-2026-11', covers: CHANGES },
];

/** Whether this run has `id`: a `patched()` that records one marker per engine, not one per change. */
export function changed(id: Change): boolean {
  const [newest, ...older] = ENGINES;
  if (patched(newest.id)) return true;
  return older.some((e) => e.covers.includes(id) && patched(e.id)) || patched(id);
}
