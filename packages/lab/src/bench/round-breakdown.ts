/**
 * Where a verification round's time goes on the real cluster: SI generations through an in-process
 * cluster (its own nats-server, every message encoded, checked and decoded, model steps in piscina
 * workers), on the emulated or the llama backend, each route (direct, batcher) on a cluster of its
 * own, routes taking turns request by request after a warm-up.
 *
 * Each round is split with what the parts measure themselves, no guessing by difference alone:
 * - the session's speculation trace: when each task was sent and its verdict came back, and each
 *   draft call (drafter side);
 * - the verdict's `queueMs` / `computeMs` (verifier side: waiting for a slot, the step);
 * - the pooled models' step times: as the caller waited, and inside the worker's model call.
 * So: hops = verdict − sent − queue − compute (NATS both ways, codec and checks, the batcher and its
 * window); hand-off = step as awaited − model call; verifier code = compute − step as awaited;
 * outside = wall − time covered by any span (admission, orchestration between spans, the stream).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { StepTimes } from '@specmesh/models';
import { Codec, type SpeculationTrace, type TraceSpan } from '@specmesh/protocol';
import { sampleVerifyResult, sampleVerifyTask } from '@specmesh/protocol/internal';
import { median } from '../median.js';
import { type BenchCluster, type BenchGeneration, startBenchCluster } from './bench-cluster.js';
import type { VerifyRouteName } from './cluster-dsi.js';

/** Milliseconds per verification round, by component. */
export interface RoundComponents {
  readonly round: number;
  readonly targetModel: number;
  readonly targetHandoff: number;
  readonly verifierCode: number;
  readonly verifierQueue: number;
  readonly hops: number;
  readonly draftModel: number;
  readonly draftHandoff: number;
  readonly draftCode: number;
  readonly outside: number;
}

export const ROUND_COMPONENTS: ReadonlyArray<readonly [keyof RoundComponents, string]> = [
  ['round', 'round (wall / rounds)'],
  ['targetModel', 'target model call (in its worker)'],
  ['targetHandoff', 'target worker hand-off'],
  ['verifierCode', 'verifier code around the step'],
  ['verifierQueue', 'waiting at the verifier'],
  ['hops', 'hops: NATS, codec, batcher'],
  ['draftModel', 'drafter model call (in its worker)'],
  ['draftHandoff', 'drafter worker hand-off'],
  ['draftCode', 'drafting, session code'],
  ['outside', 'outside spans (admission, orchestration, stream)'],
];

export interface RoundBreakdownRow {
  readonly route: VerifyRouteName;
  readonly rounds: number;
  readonly tokens: number;
  /** Medians over the repeats of each request's per-round figures. */
  readonly perRound: RoundComponents;
  /** What is not a model call, per committed token, ms (median). */
  readonly overheadPerToken: number;
}

/** Encode + check + decode of one message, µs: a verify task of this size and its verdict. */
export interface CodecCost {
  readonly taskUs: number;
  readonly resultUs: number;
}

export interface RoundBreakdownReport {
  readonly backend: 'emulated' | 'llama';
  readonly k: number;
  readonly tokens: number;
  readonly repeats: number;
  readonly agreement: number;
  readonly loadAverage: number;
  /** A target step of one position, ms: the share's denominator (see the options). */
  readonly targetStepMs: number;
  readonly rows: readonly RoundBreakdownRow[];
  readonly codec: CodecCost;
}

/** Duration covered by the union of `spans`. */
function covered(spans: readonly TraceSpan[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const s of sorted) {
    if (s.start > to) {
      if (to > from) total += to - from;
      from = s.start;
      to = s.end;
    } else if (s.end > to) {
      to = s.end;
    }
  }
  if (to > from) total += to - from;
  return total;
}

/**
 * One request's round components, per verified round (tasks that came back with a verdict).
 * @throws when the request's trace is missing or recorded no verdict.
 */
export function roundComponentsOf(
  trace: SpeculationTrace | undefined,
  wallMs: number,
  steps: { readonly target: StepTimes; readonly drafter: StepTimes },
): { rounds: number; perRound: RoundComponents } {
  if (!trace) throw new Error('the request carried no speculation trace');
  const verdicts = trace.spans.filter(
    (s) => s.kind === 'verify' && (s.outcome === 'accepted' || s.outcome === 'rejected'),
  );
  const rounds = verdicts.length;
  if (rounds === 0) throw new Error('the request recorded no verified round');
  let verify = 0;
  let queue = 0;
  let compute = 0;
  for (const s of verdicts) {
    verify += s.end - s.start;
    queue += s.queueMs ?? 0;
    compute += s.computeMs ?? 0;
  }
  const drafting = trace.spans.filter((s) => s.kind === 'draft').reduce((t, s) => t + s.end - s.start, 0);
  const per = (ms: number) => ms / rounds;
  return {
    rounds,
    perRound: {
      round: per(wallMs),
      targetModel: per(steps.target.modelMs),
      targetHandoff: per(steps.target.stepMs - steps.target.modelMs),
      verifierCode: per(compute - steps.target.stepMs),
      verifierQueue: per(queue),
      hops: per(verify - queue - compute),
      draftModel: per(steps.drafter.modelMs),
      draftHandoff: per(steps.drafter.stepMs - steps.drafter.modelMs),
      draftCode: per(drafting - steps.drafter.stepMs),
      outside: per(wallMs - covered(trace.spans)),
    },
  };
}

/** Median encode + check + decode time of a verify task (`context` + `k` drafts) and its verdict. */
export function measureCodec(context: number, k: number, iterations = 2000): CodecCost {
  const codec = new Codec({ from: 'd0' });
  // A greedy task, as the bench's sessions send: no draft probabilities or distributions.
  const { draftProbs: _probs, draftDist: _dist, ...task } = sampleVerifyTask(k, 1, context);
  const result = sampleVerifyResult();
  const time = (run: () => void) => {
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      run();
      samples.push((performance.now() - t0) * 1000);
    }
    return median(samples.slice(iterations / 4));
  };
  return {
    taskUs: time(() => codec.decode(codec.encode('verify.task', task), 'verify.task')),
    resultUs: time(() => codec.decode(codec.encode('verify.result', result), 'verify.result')),
  };
}

export interface RoundBreakdownOptions {
  readonly backend: 'emulated' | 'llama';
  readonly routes: readonly VerifyRouteName[];
  readonly repeats: number;
  readonly tokens: number;
  readonly k: number;
  readonly agreement: number;
  /** Emulated target's ms per position (a plain step); the drafter's is a twentieth of it. */
  readonly targetTpotMs: number;
  /**
   * A target step of one position, ms, for the share of overhead: the llama backend's as measured by
   * the caller. Defaults to `targetTpotMs` (the emulated target's setting).
   */
  readonly targetStepMs?: number;
  /** The llama pair's files (`ensureDemoPair`), for the llama backend. */
  readonly llama?: { readonly target: string; readonly drafter: string };
  readonly logLevel?: string;
  readonly onRun?: (done: number, total: number) => void;
}

function clusterSpecs(o: RoundBreakdownOptions) {
  if (o.backend === 'llama') {
    if (!o.llama) throw new Error('the llama backend needs the pair’s model files');
    return {
      target: { backend: 'llama' as const, options: { modelPath: o.llama.target, threads: 1 } },
      drafter: { backend: 'llama' as const, options: { modelPath: o.llama.drafter, threads: 1 } },
    };
  }
  const seed = 11;
  const tpot = o.targetTpotMs;
  return {
    target: { backend: 'emulated' as const, options: { seed, latency: { ttftMs: tpot, tpotMs: tpot } } },
    drafter: {
      backend: 'emulated' as const,
      options: { seed, agreement: o.agreement, latency: { ttftMs: tpot / 20, tpotMs: tpot / 20 } },
    },
  };
}

/** Runs the breakdown: a warm-up per route, then `repeats` SI requests per route, interleaved. */
export async function runRoundBreakdown(o: RoundBreakdownOptions): Promise<RoundBreakdownReport> {
  const clusters = new Map<VerifyRouteName, BenchCluster>();
  try {
    for (const route of o.routes) {
      clusters.set(
        route,
        await startBenchCluster({
          ...clusterSpecs(o),
          verifiers: 1,
          directVerify: route === 'direct',
          ...(o.logLevel ? { logLevel: o.logLevel } : {}),
        }),
      );
    }
    const prompt = 'The cluster speaks of rounds and hops';
    const run = (route: VerifyRouteName, id: string) =>
      clusters.get(route)!.generate(id, prompt, 'si', o.k, o.tokens);
    for (const route of o.routes) await run(route, `warm-${route}`);
    const got = new Map<VerifyRouteName, BenchGeneration[]>(o.routes.map((r) => [r, []]));
    let done = 0;
    for (let r = 0; r < o.repeats; r++) {
      const order = o.routes.map((_, i) => o.routes[(i + r) % o.routes.length]!);
      for (const route of order) {
        got.get(route)!.push(await run(route, `rounds-${route}-${r}`));
        o.onRun?.(++done, o.repeats * o.routes.length);
      }
    }
    const reference = got.get(o.routes[0]!)![0]!.tokens.join(',');
    const rows = o.routes.map((route) => {
      const gens = got.get(route)!;
      for (const g of gens) {
        if (g.tokens.join(',') !== reference)
          throw new Error(`route ${route} produced other tokens than ${o.routes[0]}: not lossless`);
      }
      const each = gens.map((g) => ({ g, ...roundComponentsOf(g.trace, g.wallMs, g.steps) }));
      const perRound = Object.fromEntries(
        ROUND_COMPONENTS.map(([key]) => [key, median(each.map((e) => e.perRound[key]))]),
      ) as unknown as RoundComponents;
      const overheadPerToken = median(
        each.map(
          (e) => (e.g.wallMs - e.g.steps.target.modelMs - e.g.steps.drafter.modelMs) / e.g.tokens.length,
        ),
      );
      return {
        route,
        rounds: median(each.map((e) => e.rounds)),
        tokens: gens[0]!.tokens.length,
        perRound,
        overheadPerToken,
      };
    });
    return {
      backend: o.backend,
      k: o.k,
      tokens: o.tokens,
      repeats: o.repeats,
      agreement: o.agreement,
      loadAverage: loadavg()[0]!,
      targetStepMs: o.targetStepMs ?? o.targetTpotMs,
      rows,
      codec: measureCodec(o.k + 1, o.k),
    };
  } finally {
    for (const c of clusters.values()) await c.stop();
  }
}

/** The report as a table: components down, routes across. */
export function formatRoundBreakdown(r: RoundBreakdownReport): string {
  const lines = [
    `round breakdown: SI, k ${r.k}, ${r.tokens} tokens, ${r.backend} models (agreement ${r.agreement}); median of ${r.repeats}, routes interleaved after a warm-up; load average ${r.loadAverage.toFixed(2)}`,
    `${'ms per round'.padEnd(50)}${r.rows.map((row) => row.route.padStart(10)).join('')}`,
  ];
  for (const [key, label] of ROUND_COMPONENTS)
    lines.push(
      `${label.padEnd(50)}${r.rows.map((row) => row.perRound[key].toFixed(3).padStart(10)).join('')}`,
    );
  lines.push(`${'rounds'.padEnd(50)}${r.rows.map((row) => String(row.rounds).padStart(10)).join('')}`);
  lines.push(
    `${'not a model call, ms per committed token'.padEnd(50)}${r.rows.map((row) => row.overheadPerToken.toFixed(3).padStart(10)).join('')}`,
  );
  const step = r.targetStepMs;
  if (Number.isFinite(step)) {
    lines.push(
      `${`  as a share of a ${step.toFixed(2)} ms target step`.padEnd(50)}${r.rows.map((row) => `${((100 * row.overheadPerToken) / step).toFixed(1)}%`.padStart(10)).join('')}`,
    );
  }
  lines.push(
    `codec (encode + check + decode): verify task ${r.codec.taskUs.toFixed(1)} µs, verdict ${r.codec.resultUs.toFixed(1)} µs per message`,
  );
  return lines.join('\n');
}
