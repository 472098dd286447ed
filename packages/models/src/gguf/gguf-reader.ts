/**
 * Reads the part of a GGUF file before the data section (header, metadata, tensor infos) without
 * third-party code, so runtime checks do not depend on a dev-only parser.
 *
 * The file is read from the start in growing chunks (1 MiB, doubled until the header fits), so a
 * multi-gigabyte model costs a few megabytes of reading. Every length and count is checked against
 * the file size before anything is allocated: a corrupt count gives `truncated`, never an
 * out-of-memory crash.
 */
import { open } from 'node:fs/promises';
import {
  alignUp,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  type GgufMetadata,
  type GgufNumberType,
  type GgufTensorInfo,
  type GgufValue,
  GgufValueTypeId,
} from './gguf-types.js';
import { type ModelFileProblem, modelFileError } from './model-file-error.js';

/** Everything before a GGUF file's data section. */
export interface GgufHeader {
  readonly version: number;
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorInfo[];
  /** `general.alignment` or 32. */
  readonly alignment: number;
  /** Absolute byte offset of the data section. */
  readonly dataOffset: number;
  /** Size of the whole file in bytes. */
  readonly fileSize: number;
}

const FIRST_CHUNK = 1 << 20;
const TYPE_NAMES = Object.fromEntries(
  Object.entries(GgufValueTypeId).map(([name, id]) => [id, name]),
) as Record<number, keyof typeof GgufValueTypeId>;

/**
 * Reads the header, metadata and tensor infos of the GGUF file at `path`.
 * Throws `ModelFileError` (problem `missing`, `unreadable`, `empty`, `bad-magic`,
 * `unsupported-version`, `truncated` or `malformed`); the tensor data itself is not checked here.
 */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw modelFileError(path, 'missing', 'no such file', err);
    throw modelFileError(path, 'unreadable', `cannot open (${code ?? String(err)})`, err);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw modelFileError(path, 'unreadable', 'not a regular file');
    const fileSize = stat.size;
    if (fileSize === 0) throw modelFileError(path, 'empty', 'the file has 0 bytes');
    let chunk = Math.min(FIRST_CHUNK, fileSize);
    for (;;) {
      const buf = new Uint8Array(chunk);
      const { bytesRead } = await file.read(buf, 0, chunk, 0);
      // Fewer bytes than stat promised: the file shrank under us; re-reading would loop forever.
      if (bytesRead < chunk) throw modelFileError(path, 'truncated', `the file shrank while being read`);
      try {
        return parseHeader(buf, fileSize, path);
      } catch (err) {
        // Past the end of what we read but not of the file: read more and parse again.
        if (err instanceof NeedMore && err.bytes <= fileSize) {
          chunk = Math.min(fileSize, Math.max(chunk * 2, err.bytes));
          continue;
        }
        if (err instanceof NeedMore) {
          throw modelFileError(path, 'truncated', `the file ends inside the ${err.what} (${fileSize} bytes)`);
        }
        throw err;
      }
    }
  } finally {
    await file.close();
  }
}

class NeedMore extends Error {
  constructor(
    readonly bytes: number,
    readonly what: string,
  ) {
    super(`need ${bytes} bytes`);
  }
}

class Problem extends Error {
  constructor(
    readonly problem: ModelFileProblem,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function parseHeader(buf: Uint8Array, fileSize: number, path: string): GgufHeader {
  const c = new Cursor(buf, fileSize);
  try {
    c.what = 'header';
    // A file shorter than the magic that starts like it was cut short; anything else is not GGUF.
    if (buf.length < 4 && Buffer.from(buf).equals(Buffer.from('GGUF').subarray(0, buf.length))) c.u32();
    if (buf.length < 4 || c.u32() !== GGUF_MAGIC) {
      throw new Problem('bad-magic', `does not start with "GGUF" (not a GGUF model file)`);
    }
    const version = c.u32();
    if (version !== 2 && version !== 3) {
      throw new Problem('unsupported-version', `GGUF version ${version} (supported: 2, 3)`);
    }
    // Not checked against the file size up front: nothing is allocated for them, and a cut file
    // should be reported where it ends, by the loops below.
    const tensorCount = c.u64AsNumber('the tensor count');
    const metadataCount = c.u64AsNumber('the metadata count');
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < metadataCount; i++) {
      c.what = 'metadata';
      const key = c.string();
      c.what = `metadata value of ${key}`;
      const typeId = c.u32();
      metadata.set(key, c.value(typeId, key));
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      c.what = 'tensor infos';
      const name = c.string();
      const nDims = c.u32();
      if (nDims < 1 || nDims > 4)
        throw new Problem('malformed', `tensor ${name} has ${nDims} dims (1 to 4 allowed)`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.u64AsNumber(`a dim of tensor ${name}`));
      const type = c.u32();
      const offset = c.u64AsNumber(`the offset of tensor ${name}`);
      tensors.push({ name, dims, type, offset });
    }
    const alignValue = metadata.get('general.alignment');
    const alignment = alignValue?.type === 'u32' ? alignValue.value : GGUF_DEFAULT_ALIGNMENT;
    if (alignment <= 0) throw new Problem('malformed', `general.alignment is ${alignment}`);
    for (const t of tensors) {
      if (t.offset % alignment !== 0) {
        throw new Problem('malformed', `tensor ${t.name} offset ${t.offset} is not aligned to ${alignment}`);
      }
    }
    const dataOffset = alignUp(c.pos, alignment);
    return { version, metadata, tensors, alignment, dataOffset, fileSize };
  } catch (err) {
    if (err instanceof Problem) throw modelFileError(path, err.problem, err.detail);
    throw err;
  }
}

/** Little-endian reads over the bytes read so far, aware of how big the whole file is. */
class Cursor {
  pos = 0;
  what = 'header';
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly buf: Uint8Array,
    private readonly fileSize: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Makes sure `n` more bytes are in the buffer (NeedMore otherwise, with the total to read). */
  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length)
      throw new NeedMore(at + n > this.fileSize ? Number.POSITIVE_INFINITY : at + n, this.what);
    this.pos += n;
    return at;
  }

  /** Fails early when `n` more bytes cannot exist in the file at all (before allocating for them). */
  private fits(n: number): void {
    if (this.pos + n > this.fileSize) throw new NeedMore(Number.POSITIVE_INFINITY, this.what);
  }

  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  u64AsNumber(what: string): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Problem('malformed', `${what} is ${v}, too large`);
    return Number(v);
  }

  /** A u64 count of items that each take at least `minBytes` bytes. */
  count(minBytes: number): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v * BigInt(minBytes) > BigInt(this.fileSize)) this.fits(Number.POSITIVE_INFINITY);
    const n = Number(v);
    this.fits(n * minBytes);
    return n;
  }

  string(): string {
    const length = this.count(1);
    const at = this.need(length);
    return this.decoder.decode(this.buf.subarray(at, at + length));
  }

  value(typeId: number, key: string): GgufValue {
    const type = TYPE_NAMES[typeId];
    if (type === undefined)
      throw new Problem('malformed', `metadata ${key} has unknown value type ${typeId}`);
    if (type === 'array') return this.array(key);
    if (type === 'string') return { type, value: this.string() };
    if (type === 'bool') return { type, value: this.view.getUint8(this.need(1)) !== 0 };
    if (type === 'u64') return { type, value: this.view.getBigUint64(this.need(8), true) };
    if (type === 'i64') return { type, value: this.view.getBigInt64(this.need(8), true) };
    return { type, value: this.number(type) };
  }

  private number(type: GgufNumberType): number {
    switch (type) {
      case 'u8':
        return this.view.getUint8(this.need(1));
      case 'i8':
        return this.view.getInt8(this.need(1));
      case 'u16':
        return this.view.getUint16(this.need(2), true);
      case 'i16':
        return this.view.getInt16(this.need(2), true);
      case 'u32':
        return this.view.getUint32(this.need(4), true);
      case 'i32':
        return this.view.getInt32(this.need(4), true);
      case 'f32':
        return this.view.getFloat32(this.need(4), true);
      case 'f64':
        return this.view.getFloat64(this.need(8), true);
    }
  }

  private array(key: string): GgufValue {
    const itemTypeId = this.u32();
    const itemType = TYPE_NAMES[itemTypeId];
    if (itemType === undefined)
      throw new Problem('malformed', `metadata ${key} is an array of unknown type ${itemTypeId}`);
    switch (itemType) {
      case 'string': {
        const n = this.count(8);
        const value: string[] = new Array(n);
        for (let i = 0; i < n; i++) value[i] = this.string();
        return { type: 'array', itemType, value };
      }
      case 'array': {
        const n = this.count(12);
        const value: GgufValue[] = new Array(n);
        for (let i = 0; i < n; i++) value[i] = this.array(key);
        return { type: 'array', itemType, value };
      }
      case 'bool': {
        const n = this.count(1);
        const at = this.need(n);
        return { type: 'array', itemType, value: Array.from(this.buf.subarray(at, at + n), (b) => b !== 0) };
      }
      case 'u64':
      case 'i64': {
        const n = this.count(8);
        const at = this.need(n * 8);
        const out = itemType === 'u64' ? new BigUint64Array(n) : new BigInt64Array(n);
        for (let i = 0; i < n; i++) {
          out[i] =
            itemType === 'u64'
              ? this.view.getBigUint64(at + i * 8, true)
              : this.view.getBigInt64(at + i * 8, true);
        }
        return { type: 'array', itemType, value: out };
      }
      default: {
        const [Ctor, size] = NUMBER_ARRAYS[itemType];
        const n = this.count(size);
        const at = this.need(n * size);
        const out = new Ctor(n);
        // Copy the bytes (the source may be unaligned for a typed-array view); the host is little-endian.
        new Uint8Array(out.buffer).set(this.buf.subarray(at, at + n * size));
        return { type: 'array', itemType, value: out };
      }
    }
  }
}

type NumberArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const NUMBER_ARRAYS: Record<GgufNumberType, [NumberArrayCtor, number]> = {
  u8: [Uint8Array, 1],
  i8: [Int8Array, 1],
  u16: [Uint16Array, 2],
  i16: [Int16Array, 2],
  u32: [Uint32Array, 4],
  i32: [Int32Array, 4],
  f32: [Float32Array, 4],
  f64: [Float64Array, 8],
};

/** The number stored under `key`, if it is a scalar number (u64/i64 converted). */
export function metadataNumber(metadata: GgufMetadata, key: string): number | undefined {
  const v = metadata.get(key);
  if (v === undefined || v.type === 'array' || v.type === 'string' || v.type === 'bool') return undefined;
  return Number(v.value);
}

/** The string stored under `key`, if it is a string. */
export function metadataString(metadata: GgufMetadata, key: string): string | undefined {
  const v = metadata.get(key);
  return v?.type === 'string' ? v.value : undefined;
}

/** The array stored under `key`, if it is an array of `itemType`. */
export function metadataArray<T extends 'u32' | 'i32' | 'f32' | 'string'>(
  metadata: GgufMetadata,
  key: string,
  itemType: T,
): (T extends 'string' ? readonly string[] : ArrayLike<number>) | undefined {
  const v = metadata.get(key);
  if (v?.type !== 'array' || v.itemType !== itemType) return undefined;
  return v.value as T extends 'string' ? readonly string[] : ArrayLike<number>;
}
