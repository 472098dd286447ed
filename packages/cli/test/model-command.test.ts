import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSyntheticMap, SYNTHETIC_CHAT_TEMPLATE } from '@specmesh/models';
import { ModelFileError } from '@specmesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../src/exit-codes.js';
import { runCliHere } from './run-in-process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-model-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = runCliHere;

describe('specmesh model', () => {
  it('make, make-drafter and check write and describe usable files', async () => {
    const target = join(dir, 'target.gguf');
    const drafter = join(dir, 'drafter.gguf');
    const made = await cli(
      'model',
      'make',
      '--layers',
      '2',
      '--dim',
      '64',
      '--vocab',
      '400',
      '--type',
      'q8_0',
      '--seed',
      '9',
      '--out',
      target,
    );
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(
      new RegExp(`wrote target ${target}: [\\d.]+ MB \\((\\d+) bytes\\) in \\d+ ms`),
    );
    expect(made.stdout).toContain('2 layer(s), dim 64');
    expect(made.stdout).toContain('vocab 400, q8_0');
    const bytes = Number(/\((\d+) bytes\)/.exec(made.stdout)?.[1]);
    expect((await stat(target)).size).toBe(bytes);

    const drafted = await cli(
      'model',
      'make-drafter',
      '--from',
      target,
      '--agreement',
      '0.6',
      '--dim',
      '32',
      '--out',
      drafter,
    );
    expect(drafted.code).toBe(0);
    expect(drafted.stdout).toContain(`wrote drafter ${drafter}`);
    expect(drafted.stdout).toContain(`agrees with ${target} on ${Math.round(0.6 * 141)}/141 text pieces`);
    const map = await readSyntheticMap(drafter);
    expect(map).toMatchObject({ role: 'drafter', targetSeed: 9, seed: 10, agreed: Math.round(0.6 * 141) });

    const checked = await cli('model', 'check', drafter);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/architecture +llama/);
    expect(checked.stdout).toMatch(/vocab +400/);
    expect(checked.stdout).toMatch(/tensors +12/);
    expect(checked.stdout).toMatch(/synthetic +drafter, seed 10/);
    // The synthetic models carry a ChatML-style template of their own.
    expect(checked.stdout).toMatch(/chat template +\d+ chars, "\{% for message in messages %\}/);
    const json = await cli('model', 'check', '--json', target);
    expect(JSON.parse(json.stdout)).toMatchObject({
      architecture: 'llama',
      vocabSize: 400,
      fileTypeName: 'Q8_0',
      chatTemplate: SYNTHETIC_CHAT_TEMPLATE,
    });
  });

  it('--preset tiny gives the preset shape, and flags override it', async () => {
    const out = join(dir, 'tiny.gguf');
    const r = await cli('model', 'make', '--preset', 'tiny', '--seed', '3', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '2 layer(s), dim 64, ffn 192, 2 head(s), vocab 512, f32, context 2048, seed 3',
    );
  });

  it.each([
    [['make', '--dim', '50'], '--dim must be a multiple of 32 (got 50)'],
    [['make', '--dim', 'abc'], '--dim must be an integer'],
    [['make', '--context-length', '8'], '--context-length must be an integer from 32'],
    [['make', '--type', 'q4_0'], '--type must be one of f32, f16, q8_0 (got q4_0)'],
    [['make', '--vocab', '10'], '--vocab must be an integer from 300'],
    [
      ['make-drafter', '--from', 'x.gguf', '--agreement', '1.5'],
      '--agreement must be a number from 0 to 1 (got 1.5)',
    ],
  ])('model %j exits 2 naming the flag', async (args, message) => {
    const r = await cli('model', ...args, '--out', join(dir, 'bad.gguf'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`E_CONFIG: ${message}`);
    await expect(stat(join(dir, 'bad.gguf'))).rejects.toThrow(/ENOENT/);
  });

  it('check fails with the problem named (the exit code of E_MODEL_FILE), and usage errors exit 2', async () => {
    const modelFileExit = exitCodeFor(new ModelFileError('any'));
    expect(modelFileExit).not.toBe(0);
    const missing = await cli('model', 'check', join(dir, 'nope.gguf'));
    expect(missing.code).toBe(modelFileExit);
    expect(missing.stderr).toContain(`E_MODEL_FILE: model file ${join(dir, 'nope.gguf')}: missing`);
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'hello');
    const bad = await cli('model', 'check', text);
    expect(bad.code).toBe(modelFileExit);
    expect(bad.stderr).toContain('bad-magic');
    const none = await cli('model');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Name a model command');
    const noOut = await cli('model', 'make');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('Missing required argument: out');
  });
});
