/**
 * The vocabulary of GGUF v3 shared by the writer and the reader: value type ids, tensor type ids and
 * their storage sizes, and the in-memory form of metadata values and tensor infos.
 *
 * GGUF is little-endian throughout. Layout:
 *   "GGUF" | u32 version | u64 tensor count | u64 metadata count
 *   metadata: (string key, u32 value type, value)*
 *   tensor infos: (string name, u32 n_dims, u64 dims[n_dims], u32 tensor type, u64 offset)*
 *   padding to `general.alignment` (32 by default), then the data section; every tensor's offset is
 *   relative to the data section start and aligned too.
 * A string is a u64 byte length then UTF-8 bytes; an array is a u32 element type, a u64 count, elements.
 */

/** "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
/** The only GGUF version this code writes; the reader accepts 2 and 3 (same layout). */
export const GGUF_VERSION = 3;
/** Data section and tensor alignment used when the file does not set `general.alignment`. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value type ids as stored in the file. */
export const GgufValueTypeId = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

/** Names of the metadata value types. */
export type GgufValueType = keyof typeof GgufValueTypeId;
/** Scalar metadata types (everything but `array`). */
export type GgufScalarType = Exclude<GgufValueType, 'array'>;
/** Scalar types whose value is a JS number. */
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';

/**
 * One metadata value. Arrays of numbers are typed arrays when read (Uint32Array for u32, Float32Array for
 * f32, ...); the writer accepts any array-like of numbers. 64-bit integers are bigints so no bit is lost.
 * `itemType: 'array'` (nested arrays) occurs only when reading; the writer rejects it.
 */
export type GgufValue =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: 'u64' | 'i64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'array'; readonly itemType: GgufNumberType; readonly value: ArrayLike<number> }
  | { readonly type: 'array'; readonly itemType: 'u64' | 'i64'; readonly value: ArrayLike<bigint> }
  | { readonly type: 'array'; readonly itemType: 'bool'; readonly value: readonly boolean[] }
  | { readonly type: 'array'; readonly itemType: 'string'; readonly value: readonly string[] }
  | { readonly type: 'array'; readonly itemType: 'array'; readonly value: readonly GgufValue[] };

/** Metadata in file order (a Map keeps insertion order, which the writer preserves). */
export type GgufMetadata = ReadonlyMap<string, GgufValue>;

/** ggml tensor type ids this package can write. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q8_0: 8,
} as const;
/** A tensor type this package writes. */
export type WritableGgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/**
 * Block size (values per block) and bytes per block of every ggml tensor type that llama.cpp stores
 * in GGUF files, by type id. The reader needs them to know how many bytes a tensor occupies, so that a
 * truncated data section is detected for real models too (Q4_K and friends), not just for ours.
 * Values from ggml's `type_traits` (ggml.c) for the ids that still exist.
 */
export const GGML_TYPE_SIZES: ReadonlyMap<
  number,
  { readonly name: string; readonly block: number; readonly bytes: number }
> = new Map([
  [0, { name: 'F32', block: 1, bytes: 4 }],
  [1, { name: 'F16', block: 1, bytes: 2 }],
  [2, { name: 'Q4_0', block: 32, bytes: 18 }],
  [3, { name: 'Q4_1', block: 32, bytes: 20 }],
  [6, { name: 'Q5_0', block: 32, bytes: 22 }],
  [7, { name: 'Q5_1', block: 32, bytes: 24 }],
  [8, { name: 'Q8_0', block: 32, bytes: 34 }],
  [9, { name: 'Q8_1', block: 32, bytes: 36 }],
  [10, { name: 'Q2_K', block: 256, bytes: 84 }],
  [11, { name: 'Q3_K', block: 256, bytes: 110 }],
  [12, { name: 'Q4_K', block: 256, bytes: 144 }],
  [13, { name: 'Q5_K', block: 256, bytes: 176 }],
  [14, { name: 'Q6_K', block: 256, bytes: 210 }],
  [15, { name: 'Q8_K', block: 256, bytes: 292 }],
  [16, { name: 'IQ2_XXS', block: 256, bytes: 66 }],
  [17, { name: 'IQ2_XS', block: 256, bytes: 74 }],
  [18, { name: 'IQ3_XXS', block: 256, bytes: 98 }],
  [19, { name: 'IQ1_S', block: 256, bytes: 50 }],
  [20, { name: 'IQ4_NL', block: 32, bytes: 18 }],
  [21, { name: 'IQ3_S', block: 256, bytes: 110 }],
  [22, { name: 'IQ2_S', block: 256, bytes: 82 }],
  [23, { name: 'IQ4_XS', block: 256, bytes: 136 }],
  [24, { name: 'I8', block: 1, bytes: 1 }],
  [25, { name: 'I16', block: 1, bytes: 2 }],
  [26, { name: 'I32', block: 1, bytes: 4 }],
  [27, { name: 'I64', block: 1, bytes: 8 }],
  [28, { name: 'F64', block: 1, bytes: 8 }],
  [29, { name: 'IQ1_M', block: 256, bytes: 56 }],
  [30, { name: 'BF16', block: 1, bytes: 2 }],
  [34, { name: 'TQ1_0', block: 256, bytes: 54 }],
  [35, { name: 'TQ2_0', block: 256, bytes: 66 }],
]);

/**
 * Bytes a tensor of `type` with ggml shape `dims` occupies, or undefined for an unknown type. ggml packs
 * blocks along the first (contiguous) dimension, so that one must be a multiple of the block size.
 */
export function ggmlTensorBytes(type: number, dims: readonly number[]): number | undefined {
  const size = GGML_TYPE_SIZES.get(type);
  if (!size) return undefined;
  let count = 1;
  for (const d of dims) count *= d;
  return (count / size.block) * size.bytes;
}

/** One tensor info record. `dims` are in ggml order: the contiguous (input) dimension first. */
export interface GgufTensorInfo {
  readonly name: string;
  /** ggml shape, e.g. [d, V] for `token_embd.weight` (V rows of d values). */
  readonly dims: readonly number[];
  /** ggml type id (see {@link GgmlType}, {@link GGML_TYPE_SIZES}). */
  readonly type: number;
  /** Byte offset of the tensor's data from the start of the data section. */
  readonly offset: number;
}

/** Rounds `n` up to a multiple of `alignment`. */
export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
