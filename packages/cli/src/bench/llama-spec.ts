/**
 * Real models, one machine: what speculation buys on GGUF models through node-llama-cpp.
 *
 * - the cost of verifying k tokens in one forward pass (specmesh's llama backend, this thread);
 * - tokens/s per drafter agreement for: plain greedy decoding with node-llama-cpp, node-llama-cpp's
 *   built-in speculation (`DraftSequenceTokenPredictor`), and specmesh non-SI, SI and DSI through a
 *   real nats-server (actors in this process, model steps in piscina workers).
 *
 * Every figure is measured in the same run, so ratios hold on a noisy shared machine; every path's
 * output is checked to be the same greedy text.
 */
import { performance } from 'node:perf_hooks';
import { LlamaModel } from '@specmesh/models';
import { InternalError, type Mode } from '@specmesh/protocol';
import { startBenchCluster } from './bench-cluster.js';

export interface LlamaBenchConfig {
  readonly targetPath: string;
  /** Drafter files, each labelled (by its agreement with the target, for the synthetic pairs). */
  readonly drafters: ReadonlyArray<{ readonly label: string; readonly path: string }>;
  /** Tokens per generation. */
  readonly tokens: number;
  /** Draft window of SI, DSI and the built-in predictor's most drafts. */
  readonly k: number;
  /** CPU threads per forward pass, everywhere. */
  readonly threads: number;
  /** Verifiers DSI runs with. */
  readonly dsiTargets: number;
  readonly repeats: number;
  readonly prompt: string;
}

export interface VerifyCostRow {
  /** Drafts verified; 0 is a plain decoding step. */
  readonly k: number;
  /** Mean ms of one pass over `[last accepted, d1..dk]`. */
  readonly ms: number;
}

export interface AgreementRow {
  readonly drafter: string;
  /** Tokens per second. */
  readonly plain: number;
  readonly builtin: number;
  readonly nonsi: number;
  readonly si: number;
  readonly dsi: number;
  /** Share of output tokens that came from accepted drafts, SI. */
  readonly siDrafted: number;
}

/** Mean cost of verifying k drafts in one forward pass, for each k. */
export async function measureVerifyCost(
  targetPath: string,
  ks: readonly number[],
  threads: number,
  reps = 30,
): Promise<VerifyCostRow[]> {
  const model = await LlamaModel.load({ modelPath: targetPath, threads, sequences: 1 });
  try {
    const prefix = Uint32Array.from({ length: 64 }, (_, i) => 3 + ((i * 37) % 200));
    const rows: VerifyCostRow[] = [];
    for (const k of ks) {
      const ctx = new Uint32Array(prefix.length + k);
      ctx.set(prefix);
      for (let i = 0; i < k; i++) ctx[prefix.length + i] = 300 + i;
      // k = 0: a plain step, the pass re-evaluates the prefix's last token.
      await model.predict('v', ctx, k + 1); // the prefix is held from here on
      let total = 0;
      for (let r = 0; r < reps; r++) {
        // A new last token each time: the pass erases the old tail and evaluates k + 1 positions.
        ctx[ctx.length - 1] = 300 + ((r + 1) % 50);
        const t0 = performance.now();
        await model.predict('v', ctx, k + 1);
        total += performance.now() - t0;
      }
      rows.push({ k, ms: total / reps });
    }
    return rows;
  } finally {
    await model.close();
  }
}

interface NativeRun {
  tokens: number[];
  ms: number;
}

/** Greedy generation with node-llama-cpp alone, with or without its draft-model predictor. */
async function nativeGenerate(
  targetPath: string,
  drafterPath: string | undefined,
  cfg: LlamaBenchConfig,
): Promise<NativeRun> {
  const { getLlama, DraftSequenceTokenPredictor } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never' });
  const target = await llama.loadModel({ modelPath: targetPath, gpuLayers: 0 });
  const draft = drafterPath ? await llama.loadModel({ modelPath: drafterPath, gpuLayers: 0 }) : undefined;
  // A fresh sequence per run (returned sequences are reclaimed asynchronously).
  const sequences = cfg.repeats + 1;
  const tctx = await target.createContext({ contextSize: 1024, threads: cfg.threads, sequences });
  const dctx = await draft?.createContext({ contextSize: 1024, threads: cfg.threads, sequences });
  try {
    let best: NativeRun | undefined;
    for (let r = 0; r < cfg.repeats + 1; r++) {
      const seq = tctx.getSequence(
        dctx
          ? { tokenPredictor: new DraftSequenceTokenPredictor(dctx.getSequence(), { maxTokens: cfg.k }) }
          : {},
      );
      const prompt = [target.tokens.bos!, ...target.tokenize(cfg.prompt)];
      const out: number[] = [];
      const t0 = performance.now();
      for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
        out.push(t);
        if (out.length >= cfg.tokens || t === target.tokens.eos) break;
      }
      const run = { tokens: out, ms: performance.now() - t0 };
      seq.dispose();
      // The first run warms caches and threads; the rest are timed.
      if (r > 0) best = best ? { tokens: run.tokens, ms: best.ms + run.ms } : run;
    }
    return { tokens: best!.tokens, ms: best!.ms / cfg.repeats };
  } finally {
    await dctx?.dispose();
    await tctx.dispose();
    await draft?.dispose();
    await target.dispose();
  }
}

function same(a: readonly number[], b: readonly number[], what: string): void {
  if (a.join() !== b.join())
    throw new InternalError(`${what} produced different greedy output (${a.length} vs ${b.length} tokens)`);
}

/** Runs the whole comparison; every output is checked against plain greedy decoding. */
export async function runLlamaBench(
  cfg: LlamaBenchConfig,
  progress: (line: string) => void = () => {},
): Promise<AgreementRow[]> {
  const plain = await nativeGenerate(cfg.targetPath, undefined, cfg);
  const perSec = (ms: number) => (plain.tokens.length * 1000) / ms;
  const rows: AgreementRow[] = [];
  for (const [di, d] of cfg.drafters.entries()) {
    progress(`drafter ${d.label}: node-llama-cpp speculation`);
    const builtin = await nativeGenerate(cfg.targetPath, d.path, cfg);
    same(builtin.tokens, plain.tokens, 'node-llama-cpp speculation');
    const ms: Partial<Record<Mode, number>> = {};
    let siDrafted = 0;
    for (const [modes, verifiers] of [
      [['nonsi', 'si'], 1],
      [['dsi'], cfg.dsiTargets],
    ] as const) {
      progress(`drafter ${d.label}: specmesh ${modes.join(', ')} (${verifiers} verifier)`);
      const cluster = await startBenchCluster({
        target: { backend: 'llama', options: { modelPath: cfg.targetPath, threads: cfg.threads } },
        drafter: { backend: 'llama', options: { modelPath: d.path, threads: cfg.threads } },
        verifiers,
      });
      try {
        await cluster.generate('warm', cfg.prompt, 'si', cfg.k, 8);
        for (const mode of modes) {
          let total = 0;
          for (let r = 0; r < cfg.repeats; r++) {
            const g = await cluster.generate(`${mode}-${di}-${r}`, cfg.prompt, mode, cfg.k, cfg.tokens);
            same(g.tokens, plain.tokens, `specmesh ${mode}`);
            total += g.wallMs;
            if (mode === 'si')
              siDrafted += g.sources.reduce((s, x) => s + x, 0) / g.tokens.length / cfg.repeats;
          }
          ms[mode] = total / cfg.repeats;
        }
      } finally {
        await cluster.stop();
      }
    }
    rows.push({
      drafter: d.label,
      plain: perSec(plain.ms),
      builtin: perSec(builtin.ms),
      nonsi: perSec(ms.nonsi!),
      si: perSec(ms.si!),
      dsi: perSec(ms.dsi!),
      siDrafted,
    });
  }
  return rows;
}

export function formatVerifyCost(rows: readonly VerifyCostRow[], threads: number): string {
  const base = rows[0]!.ms;
  return [
    `verify k drafts in one forward pass over k + 1 positions (threads ${threads}; k 0 = a plain decoding step):`,
    'k    ms      x plain step',
    ...rows.map(
      (r) =>
        `${String(r.k).padEnd(4)} ${r.ms.toFixed(2).padStart(6)} ${(r.ms / base).toFixed(2).padStart(8)}`,
    ),
  ].join('\n');
}

export function formatLlamaBench(cfg: LlamaBenchConfig, rows: readonly AgreementRow[]): string {
  const f = (x: number) => x.toFixed(1).padStart(8);
  const lines = [
    `tokens/s, ${cfg.tokens} tokens, k ${cfg.k}, threads ${cfg.threads} per forward pass, mean of ${cfg.repeats}; DSI with ${cfg.dsiTargets} verifiers`,
    'drafter      plain  llama-spec   non-SI       SI      DSI   SI/plain  SI/llama-spec  DSI/SI  SI drafted',
  ];
  for (const r of rows) {
    lines.push(
      `${r.drafter.padEnd(9)} ${f(r.plain)} ${f(r.builtin).padStart(11)} ${f(r.nonsi)} ${f(r.si)} ${f(r.dsi)} ${(r.si / r.plain).toFixed(2).padStart(10)} ${(r.si / r.builtin).toFixed(2).padStart(14)} ${(r.dsi / r.si).toFixed(2).padStart(7)} ${(r.siDrafted * 100).toFixed(0).padStart(10)}%`,
    );
  }
  const hop = rows.map((r) => (1000 / r.nonsi - 1000 / r.plain) / (1000 / r.plain));
  lines.push(
    `non-SI through NATS vs plain: ${hop.map((h) => `${(h * 100).toFixed(1)}%`).join(', ')} of a target step per token (process and network hops)`,
  );
  return lines.join('\n');
}
