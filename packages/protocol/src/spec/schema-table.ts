/**
 * Turns a body schema into documentation rows: each field's wire type, range and optionality, read
 * from the TypeBox schema itself so the tables cannot disagree with what the codec checks.
 *
 * Wire type names: `str`, `int`, `float` (any msgpack number), `bool`, `nil`, `u32[]` / `f32[]` /
 * `u8[]` (typed arrays, msgpack ext 0x74), `array of X`, `map`. Objects that several kinds share are
 * named types with a section of their own (linked); other nested objects are flattened into the
 * table as `parent.child` or `parent[].child` rows.
 */
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';

/** A shared object type and the section that documents it. */
export interface NamedType {
  readonly name: string;
  readonly schema: TSchema;
  /** Markdown link target, e.g. `#sampling`. */
  readonly anchor: string;
}

export interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly optional: boolean;
  readonly range: string;
}

/** A canonical text of a schema: same text, same wire contract (optionality aside). */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (typeof x !== 'object' || x === null) return JSON.stringify(x) ?? 'undefined';
  const o = x as Record<string | symbol, unknown>;
  const keys = Object.keys(o).sort();
  return `{$kind:${String(o[Kind])},${keys.map((k) => `${k}:${canonical(o[k])}`).join(',')}}`;
}

/** Finds shared types by structure (TypeBox copies a schema when it is made optional). */
export class TypeNamer {
  private readonly byCanonical = new Map<string, NamedType>();

  constructor(types: readonly NamedType[]) {
    for (const t of types) this.byCanonical.set(canonical(t.schema), t);
  }

  find(schema: TSchema): NamedType | undefined {
    return this.byCanonical.get(canonical(schema));
  }
}

// Plain digits: a reader copies limits into code.
const num = (x: unknown) => String(x);

function numberRange(s: TSchema): string {
  const lo =
    s['exclusiveMinimum'] !== undefined
      ? `> ${num(s['exclusiveMinimum'])}`
      : s['minimum'] !== undefined
        ? `≥ ${num(s['minimum'])}`
        : '';
  const hi = s['maximum'] !== undefined ? `≤ ${num(s['maximum'])}` : '';
  if (s['minimum'] !== undefined && hi) return `${num(s['minimum'])} – ${num(s['maximum'])}`;
  return [lo, hi].filter(Boolean).join(', ');
}

function lengthRange(s: TSchema, unit: string, minKey: string, maxKey: string): string {
  const min = s[minKey] as number | undefined;
  const max = s[maxKey] as number | undefined;
  if (min !== undefined && max !== undefined) return `${num(min)} – ${num(max)} ${unit}`;
  if (max !== undefined) return `≤ ${num(max)} ${unit}`;
  if (min !== undefined) return `≥ ${num(min)} ${unit}`;
  return '';
}

function stringRange(s: TSchema): string {
  const len = lengthRange(s, 'chars', 'minLength', 'maxLength');
  return s['pattern'] ? `${len} of \`${String(s['pattern']).replace(/^\^|\+\$$/g, '')}\`` : len;
}

const TYPED_ARRAYS: Readonly<Record<string, { type: string; unit: string; maxKey: string }>> = {
  SpecmeshUint32Array: { type: 'u32[]', unit: 'elements', maxKey: 'maxLength' },
  SpecmeshFloat32Array: { type: 'f32[]', unit: 'elements', maxKey: 'maxLength' },
  Uint8Array: { type: 'u8[]', unit: 'bytes', maxKey: 'maxByteLength' },
};

/** The wire type and range of one schema (not an object of its own, which the caller flattens). */
export function describe(s: TSchema, namer: TypeNamer): { type: string; range: string } {
  const named = namer.find(s);
  if (named) return { type: `[${named.name}](${named.anchor})`, range: '' };
  const kind = s[Kind] as string;
  const typed = TYPED_ARRAYS[kind];
  if (typed) return { type: typed.type, range: lengthRange(s, typed.unit, 'minLength', typed.maxKey) };
  switch (kind) {
    case 'String':
      return { type: 'str', range: stringRange(s) };
    case 'Integer':
      return { type: 'int', range: numberRange(s) };
    case 'Number':
      return { type: 'float', range: numberRange(s) };
    case 'Boolean':
      return { type: 'bool', range: '' };
    case 'Null':
      return { type: 'nil', range: '' };
    case 'Literal':
      return { type: typeof s['const'] === 'string' ? 'str' : 'int', range: `\`${String(s['const'])}\`` };
    case 'Union': {
      const members = s['anyOf'] as TSchema[];
      if (members.every((m) => m[Kind] === 'Literal')) {
        const values = members.map((m) => `\`${String(m['const'])}\``).join(', ');
        return { type: describe(members[0]!, namer).type, range: `one of ${values}` };
      }
      const parts = members.map((m) => describe(m, namer));
      return {
        type: parts.map((p) => p.type).join(' or '),
        range: parts
          .filter((p) => p.range)
          .map((p) => `${p.type} ${p.range}`)
          .join('; '),
      };
    }
    case 'Array': {
      const item = describe(s['items'] as TSchema, namer);
      const count = lengthRange(s, 'items', 'minItems', 'maxItems');
      return {
        type: `array of ${item.type}`,
        range: [count, item.range && `each ${item.range}`].filter(Boolean).join('; '),
      };
    }
    case 'Record': {
      // TypeBox keeps no constraint of a string key (any key is valid), only the value schema.
      const value = Object.values(s['patternProperties'] as Record<string, TSchema>)[0]!;
      const v = describe(value, namer);
      return { type: `map of str → ${v.type}`, range: v.range && `values: ${v.range}` };
    }
    case 'Object':
      return { type: 'map', range: '' };
    default:
      throw new Error(`no documentation rule for schema kind ${kind}`);
  }
}

/**
 * One row per field of an object schema, in schema order. A nested object that is not a named type
 * gets a row of its own and rows for its fields (`parent.child`, or `parent[].child` inside an array).
 */
export function fieldRows(schema: TSchema, namer: TypeNamer, prefix = ''): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  for (const [name, field] of Object.entries(schema['properties'] as Record<string, TSchema>)) {
    const path = `${prefix}${name}`;
    const { type, range } = describe(field, namer);
    rows.push({ path, type, range, optional: !required.has(name) || field[OptionalKind] === 'Optional' });
    if (namer.find(field)) continue;
    if (field[Kind] === 'Object') rows.push(...fieldRows(field, namer, `${path}.`));
    const items = field[Kind] === 'Array' ? (field['items'] as TSchema) : undefined;
    if (items?.[Kind] === 'Object' && !namer.find(items)) rows.push(...fieldRows(items, namer, `${path}[].`));
  }
  return rows;
}
