/**
 * `specmesh model make | make-drafter | check`: write synthetic llama GGUF models with a known greedy
 * next-token map (no weights can be downloaded here), and check a GGUF file before a node loads it.
 * Flags only map to the options of @specmesh/models, which validates them; its ConfigError is reworded
 * here to name the flag.
 */
import type { Argv, CommandModule } from 'yargs';
import { SYNTHETIC_PRESET_DESCRIPTIONS, SYNTHETIC_WEIGHT_TYPE_NAMES } from '../library-names.js';
import { withJsonOption } from '../output.js';

export interface ShapeArgs {
  preset?: string;
  out: string;
  layers?: number;
  dim?: number;
  ffn?: number;
  heads?: number;
  type?: string;
  seed?: number;
  alpha?: number;
  json: boolean;
}

export interface MakeArgs extends ShapeArgs {
  vocab?: number;
  contextLength?: number;
}

export interface MakeDrafterArgs extends ShapeArgs {
  from: string;
  agreement?: number;
}

export interface CheckArgs {
  file: string;
  json: boolean;
}

const PRESET_NAMES = Object.keys(SYNTHETIC_PRESET_DESCRIPTIONS);

/** `--layers` … `--alpha`, `--preset`, `--out`: shared by make and make-drafter. */
function withShapeOptions<T>(y: Argv<T>, role: 'target' | 'drafter') {
  return withJsonOption(y, `the written ${role} (path, bytes, shape)`)
    .option('preset', {
      type: 'string',
      choices: PRESET_NAMES,
      describe: `Start from a named ${role} shape (${PRESET_NAMES.map((p) => `${p}: ${SYNTHETIC_PRESET_DESCRIPTIONS[p]}`).join('; ')}); other flags override it`,
    })
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'GGUF file to write (replaced if it exists)',
    })
    .option('layers', {
      type: 'number',
      describe: `Transformer blocks. Defaults to ${role === 'target' ? 2 : 1}`,
    })
    .option('dim', { type: 'number', describe: 'Embedding width, a multiple of 32. Defaults to 64' })
    .option('ffn', {
      type: 'number',
      describe: 'Feed-forward width, a multiple of 32. Defaults to 8/3 × dim',
    })
    .option('heads', { type: 'number', describe: 'Attention heads. Defaults to dim / 32' })
    .option('type', {
      type: 'string',
      describe: `Weight storage type: ${SYNTHETIC_WEIGHT_TYPE_NAMES.join(', ')}. Defaults to f32`,
    })
    .option('seed', {
      type: 'number',
      describe: `Seed of the map and the weights. Defaults to ${role === 'target' ? '1' : "the target's seed + 1"}`,
    })
    .option('alpha', {
      type: 'number',
      describe: 'Confidence of the mapped token (logit scale). Defaults to 12',
    });
}

const makeCommand: CommandModule<object, MakeArgs> = {
  command: 'make',
  describe: 'Write a synthetic llama target whose greedy next token follows a known map',
  builder: (y: Argv) =>
    withShapeOptions(y, 'target')
      .option('vocab', { type: 'number', describe: 'Vocabulary size (at least 300). Defaults to 512' })
      .option('context-length', { type: 'number', describe: 'Training context length. Defaults to 2048' })
      .example('$0 model make --preset demo --out target.gguf', 'a 110 MB target for demos and benchmarks')
      .example(
        '$0 model make --layers 2 --dim 64 --vocab 512 --type q8_0 --out t.gguf',
        'a tiny target',
      ) as unknown as Argv<MakeArgs>,
  handler: async (args) => (await import('../run/model.js')).runMake(args),
};

const makeDrafterCommand: CommandModule<object, MakeDrafterArgs> = {
  command: 'make-drafter',
  describe:
    "Write a cheaper drafter with the target's tokenizer whose map agrees with the target's on a set share",
  builder: (y: Argv) =>
    withShapeOptions(y, 'drafter')
      .option('from', { type: 'string', demandOption: true, describe: 'The synthetic target GGUF file' })
      .option('agreement', {
        type: 'number',
        describe: "Share (0..1) of tokens whose successor equals the target's. Defaults to 0.8",
      })
      .example(
        '$0 model make-drafter --from target.gguf --agreement 0.8 --out drafter.gguf',
        'a 1-layer drafter that agrees on 80% of tokens',
      ) as unknown as Argv<MakeDrafterArgs>,
  handler: async (args) => (await import('../run/model.js')).runMakeDrafter(args),
};

const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <file>',
  describe: 'Check a GGUF model file (complete, supported architecture) and print a summary',
  builder: (y: Argv) =>
    withJsonOption(y, 'the summary').positional('file', {
      type: 'string',
      demandOption: true,
      describe: 'GGUF file',
    }) as unknown as Argv<CheckArgs>,
  handler: async (args) => (await import('../run/model.js')).runCheck(args),
};

export const modelCommand: CommandModule = {
  command: 'model',
  describe: 'Make synthetic GGUF models (make, make-drafter) or check a model file (check)',
  builder: (y: Argv) =>
    y
      .command(makeCommand)
      .command(makeDrafterCommand)
      .command(checkCommand)
      .demandCommand(1, 'Name a model command: make, make-drafter or check'),
  handler: () => undefined,
};
