/**
 * non-SI, SI and DSI on a real cluster of actors (scheduler, batcher, verifiers, a drafter over a real
 * nats-server; emulated models whose steps run in piscina workers), each mode measured in the same run
 * beside `@specmesh/core`'s virtual-time prediction for the same models and prompts. The emulated
 * models wait rather than compute, so the modes differ in specmesh's own work only, on the same cores.
 */
import { availableParallelism, loadavg } from 'node:os';
import { combinePredraftTotals } from '@specmesh/actors';
import { type OrchestrationMode, RUNNER_UP_HITS, runVirtual } from '@specmesh/core';
import { EmulatedModel, oracleOf } from '@specmesh/models';
import { InternalError } from '@specmesh/protocol';
import { median } from '../median.js';
import { type BenchCluster, type BenchPredraft, startBenchCluster } from './bench-cluster.js';

export interface ClusterDsiConfig {
  /** Latencies, ms. */
  readonly draftTtft: number;
  readonly draftTpot: number;
  readonly targetTtft: number;
  readonly targetTpot: number;
  /** Drafter agreement (per-token acceptance). */
  readonly a: number;
  readonly k: number;
  readonly targets: number;
  readonly tokens: number;
}

/** The fixture of the DSI paper's public tests. */
export const DSI_FIXTURE: ClusterDsiConfig = {
  draftTtft: 57.25,
  draftTpot: 3.34,
  targetTtft: 180.28,
  targetTpot: 100.18,
  a: 0.94,
  k: 5,
  targets: 4,
  tokens: 50,
};

/** How sessions send their sequential tasks: straight to their verifier (`direct`) or through the batcher. */
export type VerifyRouteName = 'direct' | 'batcher';

export interface ClusterDsiRow {
  readonly mode: OrchestrationMode;
  /** The cluster's drafter `directVerify` setting the row was measured with. */
  readonly route: VerifyRouteName;
  /** Drafters lending their model for pre-drafting (SSD-DSI); 0 for plain DSI. */
  readonly predrafters: number;
  /** Pre-drafting's figures over the measured requests (rows with pre-drafters). */
  readonly predraft?: BenchPredraft;
  /** Median wall time per request on the cluster, ms. */
  readonly cluster: number;
  /** Median virtual-time prediction for the same requests, ms. */
  readonly virtual: number;
  /** Median of each request's cluster / virtual ratio. */
  readonly ratio: number;
  /**
   * Parallel tasks the batcher declined, over all measured requests: on this idle pool every one is
   * speculation lost (DSI falls toward SI), so anything above 0 says the capacity reports misread it.
   */
  readonly declined: number;
}

export interface ClusterDsiRunOptions {
  /** Called after each measured request with the count done and the total (3 modes × `repeats`). */
  readonly onRun?: (done: number, total: number) => void;
  /** Level of the actors' logs. Defaults to the runtime's. */
  readonly logLevel?: string;
  /**
   * Routes measured, each on a cluster of its own started side by side, requests interleaved across
   * them as across modes. Defaults to `['direct']`.
   */
  readonly routes?: readonly VerifyRouteName[];
  /**
   * Also DSI with this many drafters lending their model for pre-drafting (SSD-DSI), on a cluster of
   * its own (first route), beside the plain modes. Defaults to 0: none.
   */
  readonly predrafters?: number;
}

const MODES = ['nonsi', 'si', 'dsi'] as const;

/** Runner-ups a session's drafts carry for its branches (the session's default). */
const PREDRAFT_ALTERNATIVES = 2;

/**
 * Measures every mode `repeats` times on one fresh cluster. After a warm-up request per mode (not
 * counted: worker threads and JIT start cold), the modes take turns request by request, in an order
 * that rotates each repeat, so a change in the machine's speed hits every mode alike. Every mode's
 * repeat `r` runs the same prompt. All run on the same processes and cores.
 */
export async function runClusterDsi(
  cfg: ClusterDsiConfig,
  repeats: number,
  options: ClusterDsiRunOptions = {},
): Promise<ClusterDsiRow[]> {
  const seed = 11;
  const targetOpts = { seed, latency: { ttftMs: cfg.targetTtft, tpotMs: cfg.targetTpot } };
  // The drafter's runner-up model (core's default shares): what pre-drafting's branches guess from.
  const drafterOpts = {
    seed,
    agreement: cfg.a,
    runnerUpHits: RUNNER_UP_HITS,
    latency: { ttftMs: cfg.draftTtft, tpotMs: cfg.draftTpot },
  };
  const routes = options.routes ?? ['direct'];
  const predrafters = options.predrafters ?? 0;
  type Run = { mode: (typeof MODES)[number]; route: VerifyRouteName; predrafters: number };
  const runs: Run[] = MODES.flatMap((mode) => routes.map((route) => ({ mode, route, predrafters: 0 })));
  if (predrafters > 0) runs.push({ mode: 'dsi', route: routes[0]!, predrafters });
  const clusterKey = (r: Run) => `${r.route}/${r.predrafters}`;
  const clusters = new Map<string, BenchCluster>();
  try {
    for (const run of runs) {
      if (clusters.has(clusterKey(run))) continue;
      clusters.set(
        clusterKey(run),
        await startBenchCluster({
          target: { backend: 'emulated', options: targetOpts },
          drafter: { backend: 'emulated', options: drafterOpts },
          verifiers: cfg.targets,
          directVerify: run.route === 'direct',
          lenders: run.predrafters,
          ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        }),
      );
    }
    const localTarget = new EmulatedModel(targetOpts);
    const localDrafter = new EmulatedModel(drafterOpts);
    const oracle = oracleOf(localTarget, localDrafter);
    const key = (r: Run) => `${r.mode}/${r.route}/${r.predrafters}`;
    const measured = new Map(
      runs.map((r) => [
        key(r),
        {
          cluster: [] as number[],
          virtual: [] as number[],
          declined: 0,
          predraft: [] as BenchPredraft[],
        },
      ]),
    );
    const once = async (run: Run, id: string, prompt: string) => {
      const { mode } = run;
      const out = await clusters.get(clusterKey(run))!.generate(id, prompt, mode, cfg.k, cfg.tokens);
      const v = runVirtual({
        mode,
        k: cfg.k,
        targets: cfg.targets,
        maxTokens: cfg.tokens,
        prompt: [localTarget.info.bosId, ...localTarget.tokenize(prompt)],
        eosId: localTarget.info.eosId,
        oracle,
        drafter: { ttft: cfg.draftTtft, tpot: cfg.draftTpot },
        target: { ttft: cfg.targetTtft, tpot: cfg.targetTpot },
        ...(run.predrafters > 0
          ? { predraft: { drafters: run.predrafters, alternatives: PREDRAFT_ALTERNATIVES } }
          : {}),
      });
      if (v.tokens.join() !== out.tokens.join())
        throw new InternalError(`${key(run)}: cluster and virtual outputs differ`);
      return { cluster: out.wallMs, virtual: v.time, declined: out.declined, predraft: out.predraft };
    };
    for (const run of runs) await once(run, `warm-${key(run).replaceAll('/', '-')}`, 'warm-up prompt');
    let done = 0;
    for (let r = 0; r < repeats; r++) {
      const prompt = `benchmark prompt number ${r}`;
      for (let i = 0; i < runs.length; i++) {
        const run = runs[(r + i) % runs.length]!;
        const t = await once(run, `b-${run.mode}-${run.route}-${run.predrafters}-${r}`, prompt);
        const m = measured.get(key(run))!;
        m.cluster.push(t.cluster);
        m.virtual.push(t.virtual);
        m.declined += t.declined;
        if (t.predraft) m.predraft.push(t.predraft);
        options.onRun?.(++done, runs.length * repeats);
      }
    }
    return runs.map((run) => {
      const m = measured.get(key(run))!;
      return {
        ...run,
        cluster: median(m.cluster),
        virtual: median(m.virtual),
        ratio: median(m.cluster.map((c, i) => c / m.virtual[i]!)),
        declined: m.declined,
        // Summed over the measured requests.
        ...(m.predraft.length > 0
          ? { predraft: m.predraft.reduce((s, p) => combinePredraftTotals(s, p)) }
          : {}),
      };
    });
  } finally {
    for (const c of clusters.values()) await c.stop();
  }
}

/** Renders the rows as the table the CLI and docs show. */
export function formatClusterDsi(
  cfg: ClusterDsiConfig,
  rows: readonly ClusterDsiRow[],
  repeats: number,
): string {
  const routes = [...new Set(rows.map((r) => r.route))];
  const lines = [
    `a ${cfg.a}, k ${cfg.k}, ${cfg.targets} targets, ${cfg.tokens} tokens; drafter ${cfg.draftTtft}/${cfg.draftTpot} ms, target ${cfg.targetTtft}/${cfg.targetTpot} ms; median of ${repeats}, modes${routes.length > 1 ? ' and routes' : ''} interleaved after a warm-up; load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`,
    'mode   route       cluster ms   virtual ms   cluster/virtual   overhead ms/token   declined',
  ];
  const label = (r: ClusterDsiRow) => (r.predrafters > 0 ? `ssd×${r.predrafters}` : r.mode);
  for (const r of rows) {
    lines.push(
      `${label(r).padEnd(6)} ${r.route.padEnd(7)} ${r.cluster.toFixed(1).padStart(14)} ${r.virtual.toFixed(1).padStart(12)} ${r.ratio.toFixed(3).padStart(17)} ${((r.cluster - r.virtual) / cfg.tokens).toFixed(3).padStart(19)} ${String(r.declined).padStart(10)}`,
    );
  }
  for (const route of routes) {
    const by = Object.fromEntries(
      rows.filter((r) => r.route === route && r.predrafters === 0).map((r) => [r.mode, r]),
    ) as Record<OrchestrationMode, ClusterDsiRow>;
    lines.push(
      `${routes.length > 1 ? `${route}: ` : ''}DSI/SI: cluster ${(by.si.cluster / by.dsi.cluster).toFixed(3)}, virtual ${(by.si.virtual / by.dsi.virtual).toFixed(3)}; DSI/non-SI: cluster ${(by.nonsi.cluster / by.dsi.cluster).toFixed(3)}, virtual ${(by.nonsi.virtual / by.dsi.virtual).toFixed(3)}`,
    );
  }
  for (const ssd of rows.filter((r) => r.predrafters > 0)) {
    const dsi = rows.find((r) => r.mode === 'dsi' && r.route === ssd.route && r.predrafters === 0)!;
    const p = ssd.predraft;
    lines.push(
      `SSD-DSI (${ssd.predrafters} lending drafters) / DSI: cluster ${(dsi.cluster / ssd.cluster).toFixed(3)}, virtual ${(dsi.virtual / ssd.virtual).toFixed(3)}`,
    );
    if (p) {
      const slots = p.rejectionsBySlot
        .map((n, i) => `${i}: ${n > 0 ? Math.round((100 * (p.hitsBySlot[i] ?? 0)) / n) : 0}% of ${n}`)
        .join(', ');
      lines.push(
        `  pre-drafts: ${p.requests} requests (${p.failed} failed), hit rate by rejected slot ${slots || 'none'}; ` +
          `tokens used ${p.usedTokens}, unused ${p.unusedTokens}; lenders' model time ${p.lenderMs.toFixed(0)} ms, ` +
          `${p.lenderMs > 0 ? ((100 * p.unusedLenderMs) / p.lenderMs).toFixed(1) : '0.0'}% on branches never used`,
      );
    }
  }
  if (routes.includes('direct') && routes.includes('batcher')) {
    const ms = (mode: string, route: string) =>
      rows.find((r) => r.mode === mode && r.route === route && r.predrafters === 0)!;
    lines.push(
      `direct / batcher wall time: ${MODES.map((m) => `${m} ${(ms(m, 'direct').cluster / ms(m, 'batcher').cluster).toFixed(3)}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
