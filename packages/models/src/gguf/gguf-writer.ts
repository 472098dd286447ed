/**
 * A GGUF v3 writer: metadata of every scalar type and arrays of scalars, tensor infos, 32-byte
 * alignment, tensors stored as F32, F16 or Q8_0 from f32 sources.
 *
 * The header is built in memory (it is small); tensor data is produced, encoded and written one tensor
 * at a time, so a model never has to sit in memory whole. The file is written under a temporary name
 * and renamed at the end: a crash or a full disk never leaves a half-written file under the real name,
 * which llama.cpp would otherwise try to load.
 *
 * @example
 *   await writeGguf('m.gguf', {
 *     metadata: new Map([['general.architecture', { type: 'string', value: 'llama' }]]),
 *     tensors: [{ name: 'w', dims: [32, 2], type: GgmlType.Q8_0, data: new Float32Array(64) }],
 *   });
 */
import { open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { f32ArrayToF16 } from './float16.js';
import {
  alignUp,
  GGML_TYPE_SIZES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgmlType,
  type GgufMetadata,
  type GgufNumberType,
  type GgufScalarType,
  type GgufValue,
  GgufValueTypeId,
  ggmlTensorBytes,
  type WritableGgmlType,
} from './gguf-types.js';
import { quantizeQ8_0 } from './q8-0.js';

/** One tensor to write. */
export interface GgufTensorSource {
  /** Tensor name, e.g. `blk.0.attn_q.weight` (at most 63 bytes: ggml's GGML_MAX_NAME includes the NUL). */
  readonly name: string;
  /** ggml shape, contiguous dimension first: [d, V] holds V rows of d values. 1 to 4 dims. */
  readonly dims: readonly number[];
  /** Storage type; the f32 source is converted on write. Q8_0 needs dims[0] to be a multiple of 32. */
  readonly type: WritableGgmlType;
  /**
   * The values as f32, dims[0] fastest (row r, column c at r * dims[0] + c), or a function that makes
   * them when the tensor is written, so large models are generated one tensor at a time.
   */
  readonly data: Float32Array | (() => Float32Array);
}

/** What to write. */
export interface GgufFileContents {
  /** Metadata in the order to write it. `general.alignment` (u32), if present, sets the alignment. */
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorSource[];
}

/** What {@link writeGguf} wrote. */
export interface GgufWriteResult {
  readonly path: string;
  /** File size in bytes. */
  readonly bytes: number;
}

const MAX_NAME_BYTES = 63;

/** Writes a GGUF v3 file to `path` (replacing it) and resolves once it is complete and renamed into place. */
export async function writeGguf(path: string, contents: GgufFileContents): Promise<GgufWriteResult> {
  // Tensor bytes are copied straight out of typed arrays, which use the host's byte order.
  if (endianness() !== 'LE') throw new Error('writeGguf needs a little-endian host (GGUF is little-endian)');
  const alignment = alignmentOf(contents.metadata);
  const layout = layoutTensors(contents.tensors, alignment);
  const header = encodeGgufHeader(contents.metadata, layout.infos, alignment);
  const temp = `${path}.partial-${process.pid}`;
  const file = await open(temp, 'w');
  let ok = false;
  try {
    let position = 0;
    const put = async (bytes: Uint8Array) => {
      await file.write(bytes, 0, bytes.length, position);
      position += bytes.length;
    };
    await put(header);
    for (let i = 0; i < contents.tensors.length; i++) {
      const source = contents.tensors[i]!;
      const info = layout.infos[i]!;
      const start = header.length + info.offset;
      if (position < start) await put(new Uint8Array(start - position));
      await put(encodeTensor(source));
    }
    const end = header.length + layout.dataBytes;
    if (position < end) await put(new Uint8Array(end - position));
    await file.close();
    await rename(temp, path);
    ok = true;
    return { path, bytes: end };
  } finally {
    if (!ok) {
      await file.close().catch(() => undefined);
      await rm(temp, { force: true });
    }
  }
}

/**
 * Encodes a tensor's f32 values in its storage type (validating its shape). F32 comes back as a view
 * of the source, not a copy.
 */
export function encodeTensor(source: GgufTensorSource): Uint8Array {
  const values = typeof source.data === 'function' ? source.data() : source.data;
  const count = source.dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new RangeError(
      `tensor ${source.name}: shape [${source.dims}] needs ${count} values, got ${values.length}`,
    );
  }
  switch (source.type) {
    case GgmlType.F32:
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case GgmlType.F16: {
      const halves = f32ArrayToF16(values);
      return new Uint8Array(halves.buffer);
    }
    case GgmlType.Q8_0:
      return quantizeQ8_0(values);
    default:
      throw new RangeError(`tensor ${source.name}: unsupported type ${String(source.type)}`);
  }
}

interface LaidOutTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  /** From the start of the data section. */
  readonly offset: number;
}

function layoutTensors(tensors: readonly GgufTensorSource[], alignment: number) {
  const infos: LaidOutTensor[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new RangeError(`duplicate tensor name ${t.name}`);
    names.add(t.name);
    if (Buffer.byteLength(t.name) > MAX_NAME_BYTES) throw new RangeError(`tensor name too long: ${t.name}`);
    if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new RangeError(`tensor ${t.name}: dims must be 1 to 4 positive integers, got [${t.dims}]`);
    }
    const block = GGML_TYPE_SIZES.get(t.type)?.block ?? 1;
    if (t.dims[0]! % block !== 0) {
      throw new RangeError(
        `tensor ${t.name}: first dim ${t.dims[0]} is not a multiple of the block size ${block}`,
      );
    }
    offset = alignUp(offset, alignment);
    infos.push({ name: t.name, dims: t.dims, type: t.type, offset });
    offset += ggmlTensorBytes(t.type, t.dims)!;
  }
  return { infos, dataBytes: alignUp(offset, alignment) };
}

function alignmentOf(metadata: GgufMetadata): number {
  const v = metadata.get('general.alignment');
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (v.type !== 'u32' || v.value <= 0 || v.value % 8 !== 0) {
    throw new RangeError('general.alignment must be a u32 multiple of 8');
  }
  return v.value;
}

/**
 * Encodes everything before the data section: header, metadata, tensor infos and the padding up to
 * the aligned data start. `tensors[i].offset` is relative to the data section.
 */
export function encodeGgufHeader(
  metadata: GgufMetadata,
  tensors: readonly { name: string; dims: readonly number[]; type: number; offset: number }[],
  alignment = GGUF_DEFAULT_ALIGNMENT,
): Uint8Array {
  const w = new ByteSink();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, value] of metadata) {
    w.string(key);
    w.u32(GgufValueTypeId[value.type]);
    writeValue(w, value, key);
  }
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type);
    w.u64(t.offset);
  }
  w.pad(alignment);
  return w.bytes();
}

function writeValue(w: ByteSink, v: GgufValue, key: string): void {
  if (v.type !== 'array') {
    w.scalar(v.type, v.value, key);
    return;
  }
  if (v.itemType === 'array') throw new RangeError(`metadata ${key}: nested arrays are not written`);
  w.u32(GgufValueTypeId[v.itemType]);
  w.u64(v.value.length);
  for (let i = 0; i < v.value.length; i++) w.scalar(v.itemType, v.value[i]!, key);
}

/** Collects little-endian bytes in growing chunks. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u32(v: number): void {
    this.view.setUint32(this.reserve(4), v, true);
  }

  u64(v: number): void {
    this.view.setBigUint64(this.reserve(8), BigInt(v), true);
  }

  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.buf.set(bytes, this.reserve(bytes.length));
  }

  scalar(type: GgufScalarType, v: number | bigint | boolean | string, key: string): void {
    const expect =
      type === 'u64' || type === 'i64'
        ? 'bigint'
        : type === 'bool'
          ? 'boolean'
          : type === 'string'
            ? 'string'
            : 'number';
    if (typeof v !== expect)
      throw new TypeError(`metadata ${key}: a ${type} needs a ${expect}, got ${typeof v}`);
    if (type === 'string') this.string(v as string);
    else if (type === 'bool') this.view.setUint8(this.reserve(1), v ? 1 : 0);
    else if (type === 'u64') this.view.setBigUint64(this.reserve(8), v as bigint, true);
    else if (type === 'i64') this.view.setBigInt64(this.reserve(8), v as bigint, true);
    else {
      const [bytes, set] = NUMBER_SETTERS[type];
      set(this.view, this.reserve(bytes), v as number);
    }
  }

  pad(alignment: number): void {
    this.reserve(alignUp(this.length, alignment) - this.length);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const NUMBER_SETTERS: Readonly<
  Record<GgufNumberType, readonly [bytes: number, set: (view: DataView, at: number, v: number) => void]>
> = {
  u8: [1, (w, at, v) => w.setUint8(at, v)],
  i8: [1, (w, at, v) => w.setInt8(at, v)],
  u16: [2, (w, at, v) => w.setUint16(at, v, true)],
  i16: [2, (w, at, v) => w.setInt16(at, v, true)],
  u32: [4, (w, at, v) => w.setUint32(at, v, true)],
  i32: [4, (w, at, v) => w.setInt32(at, v, true)],
  f32: [4, (w, at, v) => w.setFloat32(at, v, true)],
  f64: [8, (w, at, v) => w.setFloat64(at, v, true)],
};
