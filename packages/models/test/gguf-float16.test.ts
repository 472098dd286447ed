import { describe, expect, it } from 'vitest';
import { f16ArrayToF32, f32ArrayToF16, fromF16Bits, toF16Bits } from '../src/gguf/float16.js';
import { dequantizeQ8_0, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from '../src/gguf/q8-0.js';

describe('f32 → f16 bits', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [1 / 3, 0x3555], // 0x3555.55… rounds down
    [65504, 0x7bff], // largest finite f16
    [65519, 0x7bff], // just below the rounding midpoint to Inf
    [65520, 0x7c00], // the midpoint: ties to even, which is Inf
    [1e6, 0x7c00],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // exactly half of it: tie to even (0)
    [2 ** -25 * 1.0001, 0x0001], // just above half rounds up
    [3 * 2 ** -25, 0x0002], // 1.5 ulp: tie to even (2)
    [5 * 2 ** -25, 0x0002], // 2.5 ulp: tie to even (2)
    [2 ** -14 - 2 ** -25, 0x0400], // subnormal rounding carries into the smallest normal
    [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: even mantissa (1)
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 and 1+2^-9: even mantissa
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // above the tie
    [1e-10, 0x0000], // f32 normal far below f16 range
    [1e-45, 0x0000], // f32 subnormal
  ])('%f → bits %i', (value, bits) => {
    expect(toF16Bits(value)).toBe(bits);
  });

  it('keeps NaN a (quiet) NaN', () => {
    expect(toF16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
    expect(Number.isNaN(fromF16Bits(toF16Bits(Number.NaN)))).toBe(true);
  });

  it('decodes every f16 exactly and re-encodes it to the same bits (all 63,488 finite patterns)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = f16ArrayToF32(all);
    const back = f32ArrayToF16(values);
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads are canonicalised
      if (back[h] !== h) throw new Error(`0x${h.toString(16)} → ${values[h]} → 0x${back[h]!.toString(16)}`);
    }
    expect(fromF16Bits(0x0001)).toBe(2 ** -24);
    expect(fromF16Bits(0x7bff)).toBe(65504);
    expect(fromF16Bits(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('rounds to within half an ulp (relative 2^-11) for normal values', () => {
    const values = new Float32Array(10_000).map((_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
    const back = f16ArrayToF32(f32ArrayToF16(values));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Math.abs(v) < 2 ** -14) continue;
      expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
    }
  });
});

describe('Q8_0', () => {
  it('matches a hand-computed block: d = amax/127 as f16, q = roundf(x/d) half away from zero', () => {
    const x = new Float32Array(32);
    x[0] = 127;
    x[1] = -63.5; // -63.5 / 1 → roundf → -64 (a JS Math.round would give -63)
    x[2] = 0.5; // → 1
    x[3] = -0.49; // → 0
    x[4] = 2.5; // → 3
    x[5] = -127;
    const bytes = quantizeQ8_0(x);
    expect(bytes.length).toBe(Q8_0_BLOCK_BYTES);
    const view = new DataView(bytes.buffer);
    expect(view.getUint16(0, true)).toBe(0x3c00); // d = 1.0
    expect([...new Int8Array(bytes.buffer, 2, 6)]).toEqual([127, -64, 1, 0, 3, -127]);
  });

  it('stores an f16 scale rounded from the exact d while q uses the exact d', () => {
    const x = new Float32Array(32).map((_, i) => (i - 16) * 0.1); // amax 1.6 (at i = 0)
    const bytes = quantizeQ8_0(x);
    const d = Math.fround(Math.fround(1.6) / 127);
    expect(new DataView(bytes.buffer).getUint16(0, true)).toBe(toF16Bits(d));
    const q = new Int8Array(bytes.buffer, 2, 32);
    expect(q[0]).toBe(-127);
    expect(q[16]).toBe(0);
    expect(q[31]).toBe(Math.round(Math.fround(x[31]! * Math.fround(1 / d))));
  });

  it('writes an all-zero block as d = 0, q = 0', () => {
    const bytes = quantizeQ8_0(new Float32Array(64));
    expect([...bytes]).toEqual(new Array(68).fill(0));
  });

  it('round-trips within half a step per value (plus the f16 rounding of d)', () => {
    const x = new Float32Array(32 * 200).map((_, i) => Math.sin(i * 1.7) * (1 + (i % 97)));
    const back = dequantizeQ8_0(quantizeQ8_0(x));
    for (let b = 0; b < 200; b++) {
      let amax = 0;
      for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[b * 32 + i]!));
      // |x - d16 q| ≤ |x - d q| + |d - d16| |q| ≤ d/2 + (d 2^-11) 127
      const bound = (amax / 127) * (0.5 + 127 * 2 ** -11) * (1 + 1e-6);
      for (let i = 0; i < 32; i++) {
        expect(Math.abs(back[b * 32 + i]! - x[b * 32 + i]!)).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('rejects lengths that are not whole blocks', () => {
    expect(() => quantizeQ8_0(new Float32Array(33))).toThrow(/multiple of 32/);
    expect(() => dequantizeQ8_0(new Uint8Array(35))).toThrow(/multiple of 34/);
  });
});
