/**
 * Decoding of msgpack ext type 0x74 (typed arrays) for msgpackr.
 *
 * Wire form (msgpackr's own): ext 0x74, one element-type byte (6 = Uint32Array, 7 = Float32Array,
 * ... in msgpackr's order), then the elements little-endian. msgpackr's built-in decoder copies the
 * payload into a fresh ArrayBuffer through `.buffer`, which forces V8 to move the array off-heap and
 * costs about 2.5 µs per array: a third of the decode time of a verify task. This decoder reads the
 * elements straight into a new typed array instead. Same bytes, same values, no view into the
 * receive buffer (so a stored token array never pins a large NATS read buffer).
 */
import { addExtension } from 'msgpackr';

const TYPED_ARRAY_EXT = 0x74;

type Reader = (dv: DataView, n: number) => ArrayBufferView | ArrayBuffer;

// Element-type codes, in msgpackr's `typedArrays` order.
const READERS: Record<number, { size: number; read: Reader }> = {
  0: { size: 1, read: (dv, n) => Int8Array.from({ length: n }, (_, i) => dv.getInt8(i)) },
  1: { size: 1, read: (dv, n) => Uint8Array.from({ length: n }, (_, i) => dv.getUint8(i)) },
  2: { size: 1, read: (dv, n) => Uint8ClampedArray.from({ length: n }, (_, i) => dv.getUint8(i)) },
  3: { size: 2, read: (dv, n) => Int16Array.from({ length: n }, (_, i) => dv.getInt16(i * 2, true)) },
  4: { size: 2, read: (dv, n) => Uint16Array.from({ length: n }, (_, i) => dv.getUint16(i * 2, true)) },
  5: { size: 4, read: (dv, n) => Int32Array.from({ length: n }, (_, i) => dv.getInt32(i * 4, true)) },
  6: {
    size: 4,
    read: (dv, n) => {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, true);
      return out;
    },
  },
  7: {
    size: 4,
    read: (dv, n) => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    },
  },
  8: { size: 8, read: (dv, n) => Float64Array.from({ length: n }, (_, i) => dv.getFloat64(i * 8, true)) },
  9: { size: 8, read: (dv, n) => BigInt64Array.from({ length: n }, (_, i) => dv.getBigInt64(i * 8, true)) },
  10: {
    size: 8,
    read: (dv, n) => BigUint64Array.from({ length: n }, (_, i) => dv.getBigUint64(i * 8, true)),
  },
};

function unpackTypedArray(data: Uint8Array): ArrayBufferView | ArrayBuffer {
  const code = data[0]!;
  const payload = data.byteLength - 1;
  const dv = new DataView(data.buffer, data.byteOffset + 1, payload);
  if (code === 16) return data.slice(1).buffer;
  if (code === 17) return new DataView(data.slice(1).buffer);
  const reader = READERS[code];
  if (!reader) throw new Error(`unknown typed array element code ${code}`);
  if (payload % reader.size !== 0)
    throw new Error(`typed array payload of ${payload} bytes is not a multiple of ${reader.size}`);
  return reader.read(dv, payload / reader.size);
}

let installed = false;

/** Installs the decoder (msgpackr extensions are process-wide). Idempotent. */
export function installTypedArrayDecoder(): void {
  if (installed) return;
  installed = true;
  addExtension({ type: TYPED_ARRAY_EXT, unpack: unpackTypedArray } as unknown as Parameters<
    typeof addExtension
  >[0]);
}
