/**
 * ggml's Q8_0 quantization: values in blocks of 32; per block an f16 scale d = amax / 127 followed by
 * 32 int8 q = round(x / d), so x ≈ d * q. 34 bytes per 32 values.
 *
 * Follows `quantize_row_q8_0_ref` in ggml-quants.c operation for operation, in f32 (Math.fround)
 * with C `roundf` (half away from zero), so the bytes equal what llama.cpp's quantizer writes:
 * q uses the exact f32 d, the stored scale is d rounded to f16.
 *
 * @example
 *   // block [127, -63.5, 0, ...]: amax 127, d = 1, q = [127, -64, 0, ...] (roundf(-63.5) = -64)
 */
import { f16ArrayToF32, toF16Bits } from './float16.js';

/** Values per Q8_0 block. */
export const Q8_0_BLOCK = 32;
/** Bytes per Q8_0 block: an f16 scale and 32 int8. */
export const Q8_0_BLOCK_BYTES = 34;

/** Quantizes `values` (length a multiple of 32) to Q8_0 blocks. */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) {
    throw new RangeError(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${values.length}`);
  }
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  const qs = new Int8Array(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const a = Math.abs(values[base + i]!);
      if (a > amax) amax = a;
    }
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const at = b * Q8_0_BLOCK_BYTES;
    view.setUint16(at, toF16Bits(d), true);
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const x = Math.fround(values[base + i]! * id);
      qs[at + 2 + i] = x < 0 ? -Math.round(-x) : Math.round(x);
    }
  }
  return out;
}

/** Expands Q8_0 blocks back to f32 (x = f16(d) * q), e.g. to bound the quantization error in tests. */
export function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  if (bytes.length % Q8_0_BLOCK_BYTES !== 0) {
    throw new RangeError(`Q8_0 data must be a multiple of ${Q8_0_BLOCK_BYTES} bytes, got ${bytes.length}`);
  }
  const blocks = bytes.length / Q8_0_BLOCK_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scales = new Uint16Array(blocks);
  for (let b = 0; b < blocks; b++) scales[b] = view.getUint16(b * Q8_0_BLOCK_BYTES, true);
  const d = f16ArrayToF32(scales);
  const out = new Float32Array(blocks * Q8_0_BLOCK);
  for (let b = 0; b < blocks; b++) {
    const at = b * Q8_0_BLOCK_BYTES + 2;
    for (let i = 0; i < Q8_0_BLOCK; i++) out[b * Q8_0_BLOCK + i] = d[b]! * view.getInt8(at + i);
  }
  return out;
}
