import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f16ArrayToF32 } from '../src/gguf/float16.js';
import { readGgufHeader } from '../src/gguf/gguf-reader.js';
import { GgmlType, type GgufValue, type WritableGgmlType } from '../src/gguf/gguf-types.js';
import { encodeTensor, writeGguf } from '../src/gguf/gguf-writer.js';
import { dequantizeQ8_0 } from '../src/gguf/q8-0.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-gguf-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const METADATA = new Map<string, GgufValue>([
  ['general.architecture', { type: 'string', value: 'llama' }],
  ['general.name', { type: 'string', value: 'ünïcode ✓ name' }],
  ['test.u32', { type: 'u32', value: 4_000_000_000 }],
  ['test.i32', { type: 'i32', value: -123_456 }],
  ['test.f32', { type: 'f32', value: 0.25 }],
  ['test.bool', { type: 'bool', value: true }],
  ['test.u8', { type: 'u8', value: 200 }],
  ['test.u64', { type: 'u64', value: 2n ** 40n }],
  ['test.strings', { type: 'array', itemType: 'string', value: ['a', '', '▁word', '<0x0A>'] }],
  ['test.f32s', { type: 'array', itemType: 'f32', value: Float32Array.of(1.5, -2, 0) }],
  ['test.i32s', { type: 'array', itemType: 'i32', value: Int32Array.of(-1, 6, 3) }],
  ['test.u32s', { type: 'array', itemType: 'u32', value: Uint32Array.of(7, 0, 4_294_967_295) }],
]);

/** A 64 × 3 matrix (ggml [64, 3]), a vector of 64 kept in F32, and a [32, 5] matrix: odd sizes test padding. */
function tensors(type: WritableGgmlType) {
  const m = new Float32Array(64 * 3).map((_, i) => Math.sin(i) * 3);
  const v = new Float32Array(64).map((_, i) => i / 64);
  const m2 = new Float32Array(32 * 5).map((_, i) => Math.cos(i));
  return [
    { name: 'token_embd.weight', dims: [64, 3], type, data: m },
    { name: 'output_norm.weight', dims: [64], type: GgmlType.F32, data: v },
    { name: 'blk.0.ffn_down.weight', dims: [32, 5], type, data: () => m2 },
  ] as const;
}

describe.each([
  ['f32', GgmlType.F32, 3 * 64 * 4],
  ['f16', GgmlType.F16, 3 * 64 * 2],
  ['q8_0', GgmlType.Q8_0, 3 * 2 * 34],
] as const)('GGUF writer (%s)', (label, type, firstBytes) => {
  let path: string;
  beforeAll(async () => {
    path = join(dir, `${label}.gguf`);
    await writeGguf(path, { metadata: METADATA, tensors: tensors(type) });
  });

  it('parses with @huggingface/gguf: same metadata, tensor shapes, types and aligned offsets', async () => {
    const parsed = await gguf(path, { allowLocalFile: true });
    const md = parsed.metadata as unknown as Record<string, unknown>;
    expect(md['version']).toBe(3);
    expect(md['tensor_count']).toBe(3n);
    expect(md['kv_count']).toBe(BigInt(METADATA.size));
    expect(md['general.architecture']).toBe('llama');
    expect(md['general.name']).toBe('ünïcode ✓ name');
    expect(md['test.u32']).toBe(4_000_000_000);
    expect(md['test.i32']).toBe(-123_456);
    expect(md['test.f32']).toBe(0.25);
    expect(md['test.bool']).toBe(true);
    expect(md['test.u8']).toBe(200);
    expect(md['test.u64']).toBe(2n ** 40n);
    expect(md['test.strings']).toEqual(['a', '', '▁word', '<0x0A>']);
    expect(md['test.f32s']).toEqual([1.5, -2, 0]);
    expect(md['test.i32s']).toEqual([-1, 6, 3]);
    expect(md['test.u32s']).toEqual([7, 0, 4_294_967_295]);
    expect(parsed.tensorInfos.map((t) => [t.name, t.shape.map(Number), t.dtype])).toEqual([
      ['token_embd.weight', [64, 3], type],
      ['output_norm.weight', [64], GgmlType.F32],
      ['blk.0.ffn_down.weight', [32, 5], type],
    ]);
    expect(Number(parsed.tensorDataOffset) % 32).toBe(0);
    const offsets = parsed.tensorInfos.map((t) => Number(t.offset));
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(Math.ceil(firstBytes / 32) * 32);
    for (const o of offsets) expect(o % 32).toBe(0);
  });

  it('reads back the same with our own reader, and the tensor bytes are where the infos say', async () => {
    const header = await readGgufHeader(path);
    expect(header.version).toBe(3);
    expect([...header.metadata.keys()]).toEqual([...METADATA.keys()]);
    expect(header.metadata.get('test.u32s')).toEqual({
      type: 'array',
      itemType: 'u32',
      value: Uint32Array.of(7, 0, 4_294_967_295),
    });
    expect(header.metadata.get('test.strings')).toEqual(METADATA.get('test.strings'));
    const file = new Uint8Array(await readFile(path));
    expect(file.length).toBe(header.fileSize);
    expect(file.length % 32).toBe(0);
    const source = tensors(type);
    for (let i = 0; i < source.length; i++) {
      const info = header.tensors[i]!;
      const expected = encodeTensor(source[i]!);
      const at = header.dataOffset + info.offset;
      expect(Buffer.from(file.subarray(at, at + expected.length)).equals(Buffer.from(expected))).toBe(true);
    }
    // The decoded first tensor is close to its source (exact for f32).
    const info = header.tensors[0]!;
    const raw = file.slice(header.dataOffset + info.offset, header.dataOffset + info.offset + firstBytes);
    const decoded =
      type === GgmlType.F32
        ? new Float32Array(raw.buffer)
        : type === GgmlType.F16
          ? f16ArrayToF32(new Uint16Array(raw.buffer))
          : dequantizeQ8_0(raw);
    const want = source[0]!.data as Float32Array;
    const tolerance = type === GgmlType.F32 ? 0 : type === GgmlType.F16 ? 3 * 2 ** -11 : (3 / 127) * 0.6;
    for (let j = 0; j < want.length; j++)
      expect(Math.abs(decoded[j]! - want[j]!)).toBeLessThanOrEqual(tolerance);
  });
});

describe('GGUF writer: refusals', () => {
  it('rejects bad shapes and leaves no file behind', async () => {
    const path = join(dir, 'bad.gguf');
    const meta = new Map<string, GgufValue>();
    await expect(
      writeGguf(path, {
        metadata: meta,
        tensors: [{ name: 'w', dims: [16, 2], type: GgmlType.Q8_0, data: new Float32Array(32) }],
      }),
    ).rejects.toThrow(/multiple of the block size 32/);
    await expect(
      writeGguf(path, {
        metadata: meta,
        tensors: [{ name: 'w', dims: [32, 2], type: GgmlType.F32, data: new Float32Array(63) }],
      }),
    ).rejects.toThrow(/needs 64 values, got 63/);
    await expect(
      writeGguf(path, {
        metadata: meta,
        tensors: [
          { name: 'w', dims: [32], type: GgmlType.F32, data: new Float32Array(32) },
          { name: 'w', dims: [32], type: GgmlType.F32, data: new Float32Array(32) },
        ],
      }),
    ).rejects.toThrow(/duplicate tensor name w/);
    await expect(
      writeGguf(path, {
        metadata: new Map([['x', { type: 'u32', value: 'no' } as unknown as GgufValue]]),
        tensors: [],
      }),
    ).rejects.toThrow(/metadata x: a u32 needs a number/);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });

  it('a failure while writing tensor data leaves neither the file nor a partial file', async () => {
    const path = join(dir, 'half.gguf');
    const failing = () => {
      throw new Error('generator failed');
    };
    await expect(
      writeGguf(path, {
        metadata: METADATA,
        tensors: [
          { name: 'a', dims: [32], type: GgmlType.F32, data: new Float32Array(32) },
          { name: 'b', dims: [32], type: GgmlType.F32, data: failing },
        ],
      }),
    ).rejects.toThrow('generator failed');
    expect((await readdir(dir)).filter((f) => f.startsWith('half.gguf'))).toEqual([]);
  });
});
