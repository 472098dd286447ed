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
  /** Level of the specmesh actors' logs. Defaults to the runtime's. */
  readonly logLevel?: string;
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
  /** non-SI and SI with every task through the batcher (`directVerify` off): the hop the direct path saves. */
  readonly nonsiBatcher: number;
  readonly siBatcher: number;
  /** Share of output tokens that came from accepted drafts, SI. */
  readonly siDrafted: number;
}

/** Mean cost of verifying k drafts in one forward pass, for each k; `onK(done, total)` follows the ks. */
export async function measureVerifyCost(
  targetPath: string,
  ks: readonly number[],
  threads: number,
  reps = 30,
  onK: (done: number, total: number) => void = () => undefined,
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
      onK(rows.length, ks.length);
    }
    return rows;
  } finally {
    await model.close();
  }
}

/** One timed greedy generation. */
interface Run {
  readonly tokens: number[];
  readonly ms: number;
  readonly drafted: number;
}

/**
 * The methods each drafter is timed with: plain, built-in speculation, specmesh non-SI, SI, DSI, and
 * non-SI and SI with every task through the batcher.
 */
const METHODS_PER_DRAFTER = 7;

/** Timed generations of the whole comparison, warm-ups included (for a progress bar). */
export function llamaBenchRuns(cfg: LlamaBenchConfig): number {
  return cfg.drafters.length * (cfg.repeats + 1) * METHODS_PER_DRAFTER;
}

/** A way of generating that the benchmark times; `close` frees what it holds. */
interface Method {
  readonly name: 'plain' | 'builtin' | Mode | `${Mode}-batcher`;
  run(id: string): Promise<Run>;
  close(): Promise<void>;
}

/** Greedy generation with node-llama-cpp alone, with or without its draft-model predictor. */
async function nativeMethod(
  name: 'plain' | 'builtin',
  targetPath: string,
  drafterPath: string | undefined,
  cfg: LlamaBenchConfig,
): Promise<Method> {
  const { getLlama, DraftSequenceTokenPredictor } = await import('node-llama-cpp');
  // node-llama-cpp as a user would call it: its own runtime, not specmesh's backend.
  const llama = await getLlama({ gpu: false, build: 'never' });
  const loaded: Array<{ dispose(): Promise<void> }> = [];
  const close = async () => {
    for (const x of loaded.reverse()) await x.dispose();
  };
  const keep = <T extends { dispose(): Promise<void> }>(x: T): T => {
    loaded.push(x);
    return x;
  };
  // A fresh sequence per run (returned sequences are reclaimed asynchronously): one per repeat and
  // one for the warm-up.
  const sequences = cfg.repeats + 1;
  let target: Awaited<ReturnType<typeof llama.loadModel>>;
  let tctx: Awaited<ReturnType<typeof target.createContext>>;
  let dctx: typeof tctx | undefined;
  try {
    target = keep(await llama.loadModel({ modelPath: targetPath, gpuLayers: 0 }));
    const draft = drafterPath
      ? keep(await llama.loadModel({ modelPath: drafterPath, gpuLayers: 0 }))
      : undefined;
    tctx = keep(await target.createContext({ contextSize: 1024, threads: cfg.threads, sequences }));
    dctx = draft
      ? keep(await draft.createContext({ contextSize: 1024, threads: cfg.threads, sequences }))
      : undefined;
  } catch (err) {
    await close();
    throw err;
  }
  const prompt = [target.tokens.bos!, ...target.tokenize(cfg.prompt)];
  return {
    name,
    async run() {
      const seq = tctx.getSequence(
        dctx
          ? { tokenPredictor: new DraftSequenceTokenPredictor(dctx.getSequence(), { maxTokens: cfg.k }) }
          : {},
      );
      const tokens: number[] = [];
      const t0 = performance.now();
      for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
        tokens.push(t);
        if (tokens.length >= cfg.tokens || t === target.tokens.eos) break;
      }
      const ms = performance.now() - t0;
      seq.dispose();
      return { tokens, ms, drafted: 0 };
    },
    close,
  };
}

/** specmesh modes on one in-process cluster (actors over a real nats-server, models in workers). */
async function clusterMethods(
  modes: readonly Mode[],
  verifiers: number,
  drafterPath: string,
  cfg: LlamaBenchConfig,
  directVerify = true,
): Promise<Method[]> {
  const cluster = await startBenchCluster({
    target: { backend: 'llama', options: { modelPath: cfg.targetPath, threads: cfg.threads } },
    drafter: { backend: 'llama', options: { modelPath: drafterPath, threads: cfg.threads } },
    verifiers,
    directVerify,
    ...(cfg.logLevel ? { logLevel: cfg.logLevel } : {}),
  });
  let closed = false;
  return modes.map((mode) => ({
    name: directVerify ? mode : (`${mode}-batcher` as const),
    async run(id: string) {
      const g = await cluster.generate(`${mode}-${id}`, cfg.prompt, mode, cfg.k, cfg.tokens);
      return { tokens: g.tokens, ms: g.wallMs, drafted: g.sources.reduce((s, x) => s + x, 0) };
    },
    async close() {
      if (!closed) await cluster.stop();
      closed = true;
    },
  }));
}

function same(a: readonly number[], b: readonly number[], what: string): void {
  if (a.join() !== b.join())
    throw new InternalError(`${what} produced different greedy output (${a.length} vs ${b.length} tokens)`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs the whole comparison. For each drafter every method is set up first, warmed up once, then the
 * methods take turns, repeat after repeat, so drift in the machine's speed hits them alike; figures
 * are medians. Every output is checked against plain greedy decoding. `progress` hears what is being
 * set up or run; `onRun(done)` follows each generation ({@link llamaBenchRuns} in all).
 */
export async function runLlamaBench(
  cfg: LlamaBenchConfig,
  progress: (line: string) => void = () => {},
  onRun: (done: number) => void = () => undefined,
): Promise<AgreementRow[]> {
  const rows: AgreementRow[] = [];
  let done = 0;
  for (const [di, d] of cfg.drafters.entries()) {
    progress(`drafter ${d.label}: setting up plain, node-llama-cpp speculation, specmesh clusters`);
    const methods: Method[] = [];
    try {
      methods.push(await nativeMethod('plain', cfg.targetPath, undefined, cfg));
      methods.push(await nativeMethod('builtin', cfg.targetPath, d.path, cfg));
      methods.push(...(await clusterMethods(['nonsi', 'si'], 1, d.path, cfg)));
      methods.push(...(await clusterMethods(['dsi'], cfg.dsiTargets, d.path, cfg)));
      methods.push(...(await clusterMethods(['nonsi', 'si'], 1, d.path, cfg, false)));
      const times = new Map<string, number[]>(methods.map((m) => [m.name, []]));
      let reference: number[] | undefined;
      let siDrafted = 0;
      for (let r = -1; r < cfg.repeats; r++) {
        progress(`drafter ${d.label}: ${r < 0 ? 'warm-up' : `repeat ${r + 1} of ${cfg.repeats}`}`);
        for (const m of methods) {
          const run = await m.run(`${di}-${r + 1}`);
          onRun(++done);
          reference ??= run.tokens;
          same(run.tokens, reference, m.name);
          if (r < 0) continue;
          times.get(m.name)!.push(run.ms);
          if (m.name === 'si') siDrafted += run.drafted / run.tokens.length / cfg.repeats;
        }
      }
      const perSec = (name: string) => (reference!.length * 1000) / median(times.get(name)!);
      rows.push({
        drafter: d.label,
        plain: perSec('plain'),
        builtin: perSec('builtin'),
        nonsi: perSec('nonsi'),
        si: perSec('si'),
        dsi: perSec('dsi'),
        nonsiBatcher: perSec('nonsi-batcher'),
        siBatcher: perSec('si-batcher'),
        siDrafted,
      });
    } finally {
      for (const m of methods) await m.close();
    }
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
    `tokens/s (median of ${cfg.repeats}, methods interleaved), ${cfg.tokens} tokens, k ${cfg.k}, threads ${cfg.threads} per forward pass; DSI with ${cfg.dsiTargets} verifiers`,
    'drafter      plain  llama-spec   non-SI       SI      DSI   SI/plain  SI/llama-spec  DSI/SI  SI drafted   non-SI*      SI*  SI/SI*',
  ];
  for (const r of rows) {
    lines.push(
      `${r.drafter.padEnd(9)} ${f(r.plain)} ${f(r.builtin).padStart(11)} ${f(r.nonsi)} ${f(r.si)} ${f(r.dsi)} ${(r.si / r.plain).toFixed(2).padStart(10)} ${(r.si / r.builtin).toFixed(2).padStart(14)} ${(r.dsi / r.si).toFixed(2).padStart(7)} ${(r.siDrafted * 100).toFixed(0).padStart(10)}% ${f(r.nonsiBatcher).padStart(9)} ${f(r.siBatcher)} ${(r.si / r.siBatcher).toFixed(2).padStart(7)}`,
    );
  }
  lines.push(
    '* every task through the batcher (drafter --no-direct-verify); the other specmesh columns send sequential tasks straight to the verifier',
  );
  const hop = (tps: (r: AgreementRow) => number) =>
    rows
      .map((r) => `${(((1000 / tps(r) - 1000 / r.plain) / (1000 / r.plain)) * 100).toFixed(1)}%`)
      .join(', ');
  lines.push(
    `non-SI through NATS vs plain, of a target step per token (process and network hops): direct ${hop((r) => r.nonsi)}; through the batcher ${hop((r) => r.nonsiBatcher)}`,
  );
  return lines.join('\n');
}
