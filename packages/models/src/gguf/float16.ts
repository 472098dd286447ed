/**
 * IEEE 754 half precision (binary16) conversion by hand: Node 20 has no Float16Array, and GGUF stores
 * F16 tensors and the Q8_0 block scales as raw f16 bits.
 *
 * Rounding is to nearest, ties to even, exactly as the hardware conversion (F16C `vcvtps2ph`) that
 * ggml uses, so our f16 bits match what llama.cpp's own converter would write:
 *   1.0        -> 0x3c00      65504 (f16 max) -> 0x7bff      65520 -> 0x7c00 (rounds to +Inf)
 *   2^-24      -> 0x0001 (smallest subnormal)   2^-25 -> 0x0000 (tie, rounds to even zero)
 *   NaN        -> 0x7e00 (quiet NaN, sign kept)
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Converts the bit pattern of an f32 to the bit pattern of the nearest f16. */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  // Re-bias the exponent: f32 bias 127, f16 bias 15.
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // The f16 result is subnormal (or zero): value = m * 2^-24 with m < 1024. Below 2^-25 everything
    // rounds to zero; f32 subnormals (exp 0) land here too.
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    let q = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q++;
    // q may reach 0x400: the smallest normal, which is exactly its bit pattern.
    return sign | q;
  }
  let q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, and into 0x7c00 (Inf) on overflow: both correct.
  if (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1)) q++;
  return sign | q;
}

/** Converts one number to f16 bits (the number is first rounded to f32, as a C `float` would be). */
export function toF16Bits(value: number): number {
  f32[0] = value;
  return f32BitsToF16Bits(u32[0]!);
}

/** Converts f16 bits to the number they represent (exactly; every f16 is an f32). */
export function fromF16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** f32 array → f16 bits, element by element (shape kept). */
export function f32ArrayToF16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i]!);
  return out;
}

let table: Float32Array | undefined;

/** f16 bits → f32 array, through a 65,536-entry table built on first use (256 KiB). */
export function f16ArrayToF32(halves: Uint16Array): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromF16Bits(h);
  }
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]!]!;
  return out;
}
