/**
 * Frozen records of the body schemas of each minor version, and the check that a later minor only
 * added to them.
 *
 * A snapshot is plain JSON (`fixtures/schemas/<major>.<minor>.json`): per kind, its TypeBox schema with
 * the TypeBox kind written as `$kind`. A released minor's snapshot never changes; the current minor's
 * is rewritten by `npm run fixtures:protocol`. Compatibility of a newer schema with an older one means
 * every message valid under one is handled by a receiver of the other (see versioning.ts): no kind or
 * field removed, no field retyped, re-ranged or made (non-)required, and every new field optional.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { MESSAGE_KIND_NAMES, MESSAGE_KINDS } from '../kinds.js';

/** A schema node as JSON: TypeBox's keywords plus `$kind`. */
export type SnapshotNode = { readonly [key: string]: unknown };
/** Kind → body schema node. */
export type SchemaSnapshot = Readonly<Record<string, SnapshotNode>>;

function toNode(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(toNode);
  if (typeof x !== 'object' || x === null) return x;
  const o = x as Record<string | symbol, unknown>;
  const node: Record<string, unknown> = {};
  if (o[Kind] !== undefined) node['$kind'] = o[Kind];
  for (const key of Object.keys(o).sort()) node[key] = toNode(o[key]);
  return node;
}

/** The snapshot of this build's schemas. */
export function snapshotSchemas(): SchemaSnapshot {
  const out: Record<string, SnapshotNode> = {};
  for (const kind of MESSAGE_KIND_NAMES)
    out[kind] = toNode(MESSAGE_KINDS[kind].schema as TSchema) as SnapshotNode;
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const without = (n: SnapshotNode, ...keys: string[]) =>
  Object.fromEntries(Object.entries(n).filter(([k]) => !keys.includes(k)));

function compare(older: SnapshotNode, newer: SnapshotNode, path: string, problems: string[]): void {
  if (older['$kind'] === 'Object' && newer['$kind'] === 'Object') {
    if (!same(without(older, 'properties', 'required'), without(newer, 'properties', 'required')))
      problems.push(`${path}: object options changed`);
    const op = older['properties'] as Record<string, SnapshotNode>;
    const np = newer['properties'] as Record<string, SnapshotNode>;
    const oreq = new Set((older['required'] as string[] | undefined) ?? []);
    const nreq = new Set((newer['required'] as string[] | undefined) ?? []);
    for (const key of Object.keys(op)) {
      const child = np[key];
      if (!child) problems.push(`${path}.${key}: removed`);
      else {
        if (oreq.has(key) !== nreq.has(key))
          problems.push(
            `${path}.${key}: ${oreq.has(key) ? 'required, now optional' : 'optional, now required'}`,
          );
        compare(op[key]!, child, `${path}.${key}`, problems);
      }
    }
    for (const key of Object.keys(np))
      if (!op[key] && nreq.has(key)) problems.push(`${path}.${key}: added as a required field`);
    return;
  }
  if (older['$kind'] === 'Array' && newer['$kind'] === 'Array') {
    if (!same(without(older, 'items'), without(newer, 'items')))
      problems.push(`${path}: array limits changed`);
    compare(older['items'] as SnapshotNode, newer['items'] as SnapshotNode, `${path}[]`, problems);
    return;
  }
  if (!same(older, newer))
    problems.push(`${path}: changed from ${JSON.stringify(older)} to ${JSON.stringify(newer)}`);
}

/**
 * What makes `newer` more than an addition to `older`; empty when a minor bump suffices. Each problem
 * names the kind and field path (`submit.sampling.topK: changed from … to …`).
 */
export function compatibilityProblems(older: SchemaSnapshot, newer: SchemaSnapshot): string[] {
  const problems: string[] = [];
  for (const kind of Object.keys(older)) {
    if (!newer[kind]) problems.push(`${kind}: kind removed`);
    else compare(older[kind]!, newer[kind]!, kind, problems);
  }
  return problems;
}

/** Whether a snapshot has a kind, or a field path (`resume.nextSeq`, `failures[].taskId`) of it. */
export function snapshotHas(snapshot: SchemaSnapshot, kind: string, path?: string): boolean {
  let node: SnapshotNode | undefined = snapshot[kind];
  for (const part of path ? path.split('.') : []) {
    if (!node) return false;
    const inArray = part.endsWith('[]');
    node = (node['properties'] as Record<string, SnapshotNode> | undefined)?.[
      inArray ? part.slice(0, -2) : part
    ];
    if (inArray) node = node?.['items'] as SnapshotNode | undefined;
  }
  return node !== undefined;
}

function added(older: SnapshotNode, newer: SnapshotNode, path: string, out: string[]): void {
  if (older['$kind'] === 'Array' && newer['$kind'] === 'Array') {
    added(older['items'] as SnapshotNode, newer['items'] as SnapshotNode, `${path}[]`, out);
    return;
  }
  if (older['$kind'] !== 'Object' || newer['$kind'] !== 'Object') return;
  const op = older['properties'] as Record<string, SnapshotNode>;
  for (const [key, child] of Object.entries(newer['properties'] as Record<string, SnapshotNode>)) {
    if (op[key]) added(op[key], child, `${path}.${key}`, out);
    else out.push(`${path}.${key}`);
  }
}

/** What `newer` adds to `older`: new kinds (`session.probe`) and new fields (`submit.resume`). */
export function additions(
  older: SchemaSnapshot,
  newer: SchemaSnapshot,
): { kinds: string[]; fields: string[] } {
  const kinds: string[] = [];
  const fields: string[] = [];
  for (const [kind, node] of Object.entries(newer)) {
    if (older[kind]) added(older[kind], node, kind, fields);
    else kinds.push(kind);
  }
  return { kinds, fields };
}
