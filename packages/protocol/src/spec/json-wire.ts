/**
 * The JSON form of wire values used by the test vectors. JSON has no typed arrays, so each is written
 * as a one-key object naming its element type:
 *
 *   Uint32Array [1, 70000]  ↔  {"$u32": [1, 70000]}
 *   Float32Array [0.6]      ↔  {"$f32": [0.6]}      (the shortest decimal that rounds to the same float32)
 *   Uint8Array [1, 0]       ↔  {"$u8": [1, 0]}
 *
 * Everything else is plain JSON. No body field is named `$u32`, `$f32` or `$u8`, so the forms cannot
 * be confused with a map.
 */
import { InternalError } from '../errors.js';

const TAGS = [
  ['$u32', Uint32Array],
  ['$f32', Float32Array],
  ['$u8', Uint8Array],
] as const;

/** The shortest decimal that reads back as the same float32 (0.6, not 0.6000000238418579). */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) throw new InternalError(`test vectors cannot hold the float ${x}`);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}

/** Wire value → JSON value. */
export function toJson(value: unknown): unknown {
  if (value instanceof Float32Array) return { $f32: Array.from(value, shortestFloat32) };
  if (value instanceof Uint32Array) return { $u32: Array.from(value) };
  if (value instanceof Uint8Array) return { $u8: Array.from(value) };
  if (ArrayBuffer.isView(value))
    throw new InternalError(`test vectors cannot hold a ${value.constructor.name}`);
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

/** JSON value → wire value (typed arrays rebuilt). */
export function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, elements] = entries[0]!;
    for (const [tag, Ctor] of TAGS) if (key === tag) return Ctor.from(elements as number[]);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, fromJson(v)]));
}
