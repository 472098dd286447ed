import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError } from '@specmesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModelFile } from '../src/gguf/check-model-file.js';
import { readGgufHeader } from '../src/gguf/gguf-reader.js';
import { GgmlType, type GgufValue } from '../src/gguf/gguf-types.js';
import { encodeGgufHeader, writeGguf } from '../src/gguf/gguf-writer.js';
import type { ModelFileProblem } from '../src/gguf/model-file-error.js';
import { writeSyntheticTarget } from '../src/gguf/synthetic-llama.js';
import { SYNTHETIC_CHAT_TEMPLATE } from '../src/gguf/synthetic-weights.js';

let dir: string;
let good: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-gguf-check-'));
  good = join(dir, 'good.gguf');
  await writeSyntheticTarget({
    out: good,
    dim: 64,
    layers: 2,
    vocab: 512,
    type: 'q8_0',
    contextLength: 1024,
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Expects checkModelFile(path) to fail with `problem`, a message naming the file, and the context. */
async function expectProblem(path: string, problem: ModelFileProblem, detail?: RegExp): Promise<void> {
  const err = await checkModelFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFileError);
  const e = err as ModelFileError;
  expect(e.code).toBe('E_MODEL_FILE');
  expect(e.context).toEqual({ path, problem });
  expect(e.message).toContain(path);
  expect(e.message).toContain(problem);
  if (detail) expect(e.message).toMatch(detail);
}

async function copyCutAt(name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  await copyFile(good, path);
  await truncate(path, bytes);
  return path;
}

describe('checkModelFile', () => {
  it('summarises a good file', async () => {
    const summary = await checkModelFile(good);
    expect(summary).toEqual({
      path: good,
      architecture: 'llama',
      name: 'specmesh-synthetic-target',
      vocabSize: 512,
      contextLength: 1024,
      tensorCount: 1 + 2 * 9 + 2,
      fileType: 7,
      fileTypeName: 'Q8_0',
      ggufVersion: 3,
      sizeBytes: (await readFile(good)).length,
      chatTemplate: SYNTHETIC_CHAT_TEMPLATE,
    });
  });

  it('missing, a directory, empty', async () => {
    await expectProblem(join(dir, 'nope.gguf'), 'missing', /no such file/);
    const sub = join(dir, 'a-directory.gguf');
    await mkdir(sub);
    await expectProblem(sub, 'unreadable');
    const empty = join(dir, 'empty.gguf');
    await writeFile(empty, '');
    await expectProblem(empty, 'empty', /0 bytes/);
  });

  it('bad magic (not GGUF at all, or a tiny file), unsupported version', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'this is not a model file, just some text\n');
    await expectProblem(text, 'bad-magic', /not a GGUF model file/);
    const two = join(dir, 'two-bytes.gguf');
    await writeFile(two, 'ab');
    await expectProblem(two, 'bad-magic');
    const v9 = join(dir, 'v9.gguf');
    const bytes = new Uint8Array(await readFile(good));
    new DataView(bytes.buffer).setUint32(4, 9, true);
    await writeFile(v9, bytes);
    await expectProblem(v9, 'unsupported-version', /version 9/);
  });

  it('truncated anywhere: in the magic, header, metadata, tensor infos, at the data start, inside the data', async () => {
    const header = await readGgufHeader(good);
    const size = header.fileSize;
    await expectProblem(await copyCutAt('cut-3.gguf', 3), 'truncated');
    await expectProblem(await copyCutAt('cut-10.gguf', 10), 'truncated', /inside the header/);
    await expectProblem(await copyCutAt('cut-200.gguf', 200), 'truncated', /inside the metadata/);
    await expectProblem(
      await copyCutAt('cut-infos.gguf', header.dataOffset - 40),
      'truncated',
      /inside the tensor infos/,
    );
    await expectProblem(
      await copyCutAt('cut-data0.gguf', header.dataOffset),
      'truncated',
      /the tensors need/,
    );
    await expectProblem(await copyCutAt('cut-data.gguf', size - 1000), 'truncated', /1000 missing/);
    // The padding after the last tensor is not needed by llama.cpp: cutting only padding is fine.
    const last = header.tensors.at(-1)!;
    const end = header.dataOffset + last.offset + (last.dims[0]! / 32) * 34 * last.dims[1]!;
    expect(end).toBeLessThanOrEqual(size);
    await expect(checkModelFile(await copyCutAt('cut-pad.gguf', end))).resolves.toMatchObject({
      tensorCount: 21,
    });
  });

  it('corrupt huge counts and lengths fail cleanly, without allocating for them', async () => {
    const corrupt = async (name: string, at: number, value: bigint) => {
      const bytes = new Uint8Array(await readFile(good));
      new DataView(bytes.buffer).setBigUint64(at, value, true);
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    };
    await expectProblem(await corrupt('huge-count.gguf', 16, 2n ** 53n - 1n), 'truncated');
    await expectProblem(
      await corrupt('huger-count.gguf', 16, 2n ** 62n),
      'malformed',
      /metadata count .* too large/,
    );
    await expectProblem(await corrupt('huge-key.gguf', 24, 2n ** 40n), 'truncated', /inside the metadata/);
  });

  it('wrong architecture, no architecture, an unknown tensor type', async () => {
    const arch = (value: string) =>
      new Map<string, GgufValue>([['general.architecture', { type: 'string', value }]]);
    const tensors = [{ name: 'w', dims: [32], type: GgmlType.F32, data: new Float32Array(32) }];
    const bert = join(dir, 'bert.gguf');
    await writeGguf(bert, { metadata: arch('bert'), tensors });
    await expectProblem(bert, 'unsupported-architecture', /"bert" is not supported \(supported: llama/);
    const none = join(dir, 'none.gguf');
    await writeGguf(none, { metadata: new Map(), tensors });
    await expectProblem(none, 'malformed', /general.architecture/);
    const odd = join(dir, 'odd-type.gguf');
    await writeFile(odd, encodeGgufHeader(arch('llama'), [{ name: 'w', dims: [32], type: 99, offset: 0 }]));
    await expectProblem(odd, 'unsupported-tensor-type', /type id 99/);
  });

  it('knows the sizes of quantized types it cannot write (Q4_K: 144 bytes per 256 values)', async () => {
    const meta = new Map<string, GgufValue>([['general.architecture', { type: 'string', value: 'qwen2' }]]);
    const head = encodeGgufHeader(meta, [{ name: 'w', dims: [256, 2], type: 12, offset: 0 }]);
    const full = join(dir, 'q4k.gguf');
    await writeFile(full, Buffer.concat([head, new Uint8Array(288)]));
    await expect(checkModelFile(full)).resolves.toMatchObject({ architecture: 'qwen2', tensorCount: 1 });
    const short = join(dir, 'q4k-short.gguf');
    await writeFile(short, Buffer.concat([head, new Uint8Array(287)]));
    await expectProblem(short, 'truncated', /need \d+ bytes .*\(1 missing\)/);
  });
});
