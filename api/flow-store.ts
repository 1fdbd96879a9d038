import { randomUUID } from 'node:crypto';
import {
  flowNestingProblems,
  flowReferences,
  flowSecrets,
  flowSizeProblems,
  validateFlow,
  type FlowDefinition,
  type GraphDef,
  type PinnedFlow,
  type Problem,
} from '../flow/index.js';
import { checkJsonata } from '../flow/expression-check.js';
import type { Sql } from '../infra/index.js';
import { HttpError, notFound } from './http-error.js';

export interface FlowRecord {
  id: string;
  name: string;
  description: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  definition: FlowDefinition;
  /** Names of the secrets this version reads (never their values). */
  secrets: string[];
}

interface FlowRow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  definition: FlowDefinition;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toRecord(row: FlowRow): FlowRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    definition: row.definition,
    secrets: flowSecrets(row.definition),
  };
}

/** Validates a definition (every problem with its JSON path) and the stored flows it names. */
export async function checkDefinition(sql: Sql, body: unknown): Promise<FlowDefinition> {
  const tooLarge = flowSizeProblems(body);
  if (tooLarge.length) throw flowTooLarge(tooLarge);
  const result = validateFlow(body, { checkExpression: checkJsonata });
  if (!result.ok) throw invalidFlow(result.problems);
  const problems: Problem[] = [];
  for (const ref of flowReferences(result.value)) {
    if (ref.name === result.value.name) continue;
    const found = await getFlow(sql, ref.name, ref.version);
    if (!found)
      problems.push({
        path: ref.path,
        message: `flow "${ref.name}"${ref.version ? ` version ${ref.version}` : ''} does not exist`,
      });
  }
  if (problems.length) throw invalidFlow(problems);
  const library = await storedLibrary(sql, result.value);
  const nesting = flowNestingProblems(result.value.name, result.value, (name) => library.get(name));
  if (nesting.length) throw invalidFlow(nesting);
  return result.value;
}

/** Every stored flow a definition reaches through subflow and loop, by name (a cycle ends the walk). */
async function storedLibrary(sql: Sql, root: FlowDefinition): Promise<Map<string, GraphDef>> {
  const library = new Map<string, GraphDef>();
  const queue = flowReferences(root).filter((r) => r.name !== root.name);
  while (queue.length && library.size < MAX_LIBRARY) {
    const ref = queue.shift()!;
    if (library.has(ref.name) || ref.name === root.name) continue;
    const flow = await getFlow(sql, ref.name, ref.version);
    if (!flow) continue;
    library.set(ref.name, flow.definition);
    queue.push(...flowReferences(flow.definition));
  }
  return library;
}

/** How many stored flows one run may reach; far above any nesting the limits allow. */
const MAX_LIBRARY = 500;

export function flowTooLarge(problems: Problem[]): HttpError {
  return new HttpError(
    413,
    'flow_too_large',
    `the flow definition is too large: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
}

export function invalidFlow(problems: Problem[]): HttpError {
  return new HttpError(
    400,
    'invalid_flow',
    `the flow definition has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
}

export async function createFlow(sql: Sql, def: FlowDefinition): Promise<FlowRecord> {
  try {
    return await sql.begin(async (tx) => {
      const id = randomUUID();
      await tx`INSERT INTO flows (id, name, description) VALUES (${id}, ${def.name}, ${def.description ?? null})`;
      await tx`INSERT INTO flow_versions (flow_id, version, definition) VALUES (${id}, 1, ${tx.json(def as never)})`;
      return (await getFlow(tx as unknown as Sql, id))!;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw new HttpError(
        409,
        'conflict',
        `a flow named "${def.name}" already exists; PUT /api/v1/flows/${def.name} stores a new version`,
      );
    throw err;
  }
}

/** Stores a new immutable version; the name in the body must match the flow's. */
export async function updateFlow(sql: Sql, ref: string, def: FlowDefinition): Promise<FlowRecord> {
  return sql.begin(async (tx) => {
    const [flow] = await tx<
      { id: string; name: string }[]
    >`SELECT id, name FROM flows WHERE ${whereRef(tx as unknown as Sql, ref)} AND deleted_at IS NULL FOR UPDATE`;
    if (!flow) throw notFound(`flow "${ref}"`);
    if (flow.name !== def.name)
      throw new HttpError(
        400,
        'invalid_flow',
        `$.name: the body names "${def.name}" but this flow is "${flow.name}"; flows cannot be renamed`,
        [{ path: '$.name', message: `must be "${flow.name}"` }],
      );
    const [{ next }] = await tx<
      { next: number }[]
    >`SELECT COALESCE(MAX(version), 0) + 1 AS next FROM flow_versions WHERE flow_id = ${flow.id}`;
    await tx`INSERT INTO flow_versions (flow_id, version, definition) VALUES (${flow.id}, ${next}, ${tx.json(def as never)})`;
    await tx`UPDATE flows SET description = ${def.description ?? null}, updated_at = now() WHERE id = ${flow.id}`;
    return (await getFlow(tx as unknown as Sql, flow.id))!;
  });
}

function whereRef(sql: Sql, ref: string) {
  return UUID.test(ref) ? sql`flows.id = ${ref}` : sql`flows.name = ${ref}`;
}

/** The latest version (or `version`) of a live flow, by name or id. */
export async function getFlow(sql: Sql, ref: string, version?: number): Promise<FlowRecord | undefined> {
  const rows = await sql<FlowRow[]>`
    SELECT f.id, f.name, f.description, f.created_at, f.updated_at, v.version, v.definition
    FROM flows f JOIN flow_versions v ON v.flow_id = f.id
    WHERE ${UUID.test(ref) ? sql`f.id = ${ref}` : sql`f.name = ${ref}`} AND f.deleted_at IS NULL
      ${version ? sql`AND v.version = ${version}` : sql``}
    ORDER BY v.version DESC LIMIT 1`;
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function listFlows(sql: Sql): Promise<Omit<FlowRecord, 'definition'>[]> {
  const rows = await sql<FlowRow[]>`
    SELECT DISTINCT ON (f.id) f.id, f.name, f.description, f.created_at, f.updated_at, v.version, v.definition
    FROM flows f JOIN flow_versions v ON v.flow_id = f.id
    WHERE f.deleted_at IS NULL ORDER BY f.id, v.version DESC`;
  return rows
    .map(toRecord)
    .map(({ definition, ...rest }) => ({ ...rest, nodes: definition.nodes.length }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Hides the flow; its versions stay, so runs pinned to them can still be read and re-run. */
export async function deleteFlow(sql: Sql, ref: string): Promise<void> {
  const rows =
    await sql`UPDATE flows SET deleted_at = now() WHERE ${whereRef(sql, ref)} AND deleted_at IS NULL RETURNING id`;
  if (rows.length === 0) throw notFound(`flow "${ref}"`);
}

/** Every stored flow a run may start (subflows, loop bodies), pinned to a version now. */
export async function resolveLibrary(sql: Sql, root: FlowDefinition): Promise<Record<string, PinnedFlow>> {
  const library: Record<string, PinnedFlow> = {};
  const queue = flowReferences(root);
  while (queue.length) {
    if (Object.keys(library).length >= MAX_LIBRARY)
      throw new HttpError(400, 'invalid_flow', `the flow reaches more than ${MAX_LIBRARY} stored flows`);
    const ref = queue.shift()!;
    if (library[ref.name]) continue;
    const flow = await getFlow(sql, ref.name, ref.version);
    if (!flow)
      throw new HttpError(400, 'invalid_flow', `${ref.path}: flow "${ref.name}" does not exist`, [
        { path: ref.path, message: `flow "${ref.name}" does not exist` },
      ]);
    library[ref.name] = pin(flow);
    queue.push(...flowReferences(flow.definition));
  }
  // Flows stored before cycles were refused at save, or a tweak, may still reach themselves.
  const nesting = flowNestingProblems(root.name, root, (name) => library[name]?.definition);
  if (nesting.length) throw invalidFlow(nesting);
  return library;
}

export function pin(flow: FlowRecord): PinnedFlow {
  return { flowId: flow.id, name: flow.name, version: flow.version, definition: flow.definition };
}
