/**
 * What `specmesh model make | make-drafter | check` does when it runs; the command and its flags are described in
 * commands/model.ts.
 */ import { performance } from 'node:perf_hooks';
import {
  checkModelFile,
  readSyntheticMap,
  SYNTHETIC_FIRST_ID,
  SYNTHETIC_PRESETS,
  type SyntheticModelResult,
  type SyntheticPresetName,
  type SyntheticShapeOptions,
  type SyntheticWeightType,
  writeSyntheticDrafter,
  writeSyntheticTarget,
} from '@specmesh/models';
import { ConfigError } from '@specmesh/protocol';
import type { ArgumentsCamelCase } from 'yargs';
import type { CheckArgs, MakeArgs, MakeDrafterArgs, ShapeArgs } from '../commands/model.js';
import { createOutput } from '../output.js';

/** What `make` and `make-drafter` print with `--json`. */
function resultJson(role: 'target' | 'drafter', r: SyntheticModelResult): Record<string, unknown> {
  return {
    role,
    path: r.path,
    bytes: r.bytes,
    ms: r.ms,
    shape: r.shape,
    ...(r.agreed !== undefined ? { agreed: r.agreed, pieces: r.shape.vocab - SYNTHETIC_FIRST_ID } : {}),
  };
}

/** The shape flags that were given, over the preset's values. */
function shapeOptions(args: ShapeArgs, base: SyntheticShapeOptions): SyntheticShapeOptions {
  const given: SyntheticShapeOptions = {};
  if (args.layers !== undefined) given.layers = args.layers;
  if (args.dim !== undefined) given.dim = args.dim;
  if (args.ffn !== undefined) given.ffn = args.ffn;
  if (args.heads !== undefined) given.heads = args.heads;
  if (args.type !== undefined) given.type = args.type as SyntheticWeightType;
  if (args.seed !== undefined) given.seed = args.seed;
  if (args.alpha !== undefined) given.alpha = args.alpha;
  return { ...base, ...given };
}

/** Runs a maker, turning "option dim ..." errors into "--dim ..." ones. */
async function withFlagNames<T>(make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (err) {
    if (!(err instanceof ConfigError) || typeof err.context['option'] !== 'string') throw err;
    const flag = `--${err.context['option'].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new ConfigError(`${flag} ${String(err.context['reason'] ?? err.message)}`, {
      context: err.context,
      cause: err,
    });
  }
}

function describeResult(role: string, r: SyntheticModelResult): string {
  const s = r.shape;
  return [
    `wrote ${role} ${r.path}: ${megabytes(r.bytes)} (${r.bytes} bytes) in ${r.ms.toFixed(0)} ms`,
    `  llama, ${s.layers} layer(s), dim ${s.dim}, ffn ${s.ffn}, ${s.heads} head(s), vocab ${s.vocab}, ${s.type}, context ${s.contextLength}, seed ${s.seed}, alpha ${s.alpha}`,
  ].join('\n');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
}

export async function runMake(args: ArgumentsCamelCase<MakeArgs>): Promise<void> {
  const preset = args.preset ? SYNTHETIC_PRESETS[args.preset as SyntheticPresetName].target : {};
  const options = {
    ...shapeOptions(args, preset),
    out: args.out,
    ...(args.vocab !== undefined || preset.vocab !== undefined ? { vocab: args.vocab ?? preset.vocab } : {}),
    ...(args.contextLength !== undefined || preset.contextLength !== undefined
      ? { contextLength: args.contextLength ?? preset.contextLength }
      : {}),
  };
  const result = await withFlagNames(() => writeSyntheticTarget(options));
  createOutput(args.json).result(resultJson('target', result), () => describeResult('target', result));
}

export async function runMakeDrafter(args: ArgumentsCamelCase<MakeDrafterArgs>): Promise<void> {
  const preset = args.preset
    ? SYNTHETIC_PRESETS[args.preset as SyntheticPresetName].drafter
    : { agreement: 0.8 };
  const options = {
    ...shapeOptions(args, preset),
    from: args.from,
    out: args.out,
    agreement: args.agreement ?? preset.agreement,
  };
  const result = await withFlagNames(() => writeSyntheticDrafter(options));
  const n = result.shape.vocab - SYNTHETIC_FIRST_ID;
  createOutput(args.json).result(
    { ...resultJson('drafter', result), from: args.from },
    () =>
      `${describeResult('drafter', result)}\n  agrees with ${args.from} on ${result.agreed}/${n} text pieces (${((result.agreed ?? 0) / n).toFixed(3)})`,
  );
}

/** One line for a chat template: its length and its start, or that there is none (chat uses a plain transcript). */
function describeTemplate(template: string | undefined): string {
  if (template === undefined) return '(none: chat requests use a plain transcript)';
  const start = JSON.stringify(template.slice(0, 60));
  return `${template.length} chars, ${start}${template.length > 60 ? '…' : ''}`;
}

export async function runCheck(args: ArgumentsCamelCase<CheckArgs>): Promise<void> {
  const started = performance.now();
  const summary = await checkModelFile(args.file);
  const ms = performance.now() - started;
  // A synthetic model also says what it is; any other GGUF file simply has no such keys.
  const synthetic = await readSyntheticMap(args.file).catch(() => undefined);
  const extra = synthetic
    ? { synthetic: { role: synthetic.role, seed: synthetic.seed, agreed: synthetic.agreed ?? null } }
    : {};
  createOutput(args.json).result({ ...summary, checkMs: ms, ...extra }, () => {
    const rows: [string, string][] = [
      ['file', summary.path],
      ['architecture', summary.architecture],
      ['name', summary.name ?? '(none)'],
      ['vocab', String(summary.vocabSize ?? 'unknown')],
      ['context', String(summary.contextLength ?? 'unknown')],
      ['tensors', String(summary.tensorCount)],
      [
        'file type',
        `${summary.fileTypeName}${summary.fileType === undefined ? '' : ` (${summary.fileType})`}`,
      ],
      ['gguf', `v${summary.ggufVersion}`],
      ['size', `${megabytes(summary.sizeBytes)} (${summary.sizeBytes} bytes)`],
      ['chat template', describeTemplate(summary.chatTemplate)],
    ];
    if (synthetic) {
      const agreed =
        synthetic.agreed === undefined ? '' : `, agrees with its target on ${synthetic.agreed} tokens`;
      rows.push(['synthetic', `${synthetic.role}, seed ${synthetic.seed}${agreed}`]);
    }
    rows.push(['check', `ok in ${ms.toFixed(1)} ms`]);
    return rows.map(([k, v]) => `${k.padEnd(15)}${v}`).join('\n');
  });
}
