/**
 * non-SI, SI and DSI on a real cluster of actors (scheduler, batcher, verifiers, a drafter over a real
 * nats-server; emulated models whose steps run in piscina workers), each mode measured in the same run
 * beside `@specmesh/core`'s virtual-time prediction for the same models and prompts.
 */
import { type OrchestrationMode, runVirtual } from '@specmesh/core';
import { EmulatedModel, oracleOf } from '@specmesh/models';
import { InternalError } from '@specmesh/protocol';
import { startBenchCluster } from './bench-cluster.js';

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

export interface ClusterDsiRow {
  readonly mode: OrchestrationMode;
  /** Mean wall time per request on the cluster, ms. */
  readonly cluster: number;
  /** Mean virtual-time prediction, ms. */
  readonly virtual: number;
}

export interface ClusterDsiRunOptions {
  /** Called after each request with the count done and the total (3 modes × `repeats`). */
  readonly onRun?: (done: number, total: number) => void;
  /** Level of the actors' logs. Defaults to the runtime's. */
  readonly logLevel?: string;
}

/** Measures every mode `repeats` times on a fresh cluster. */
export async function runClusterDsi(
  cfg: ClusterDsiConfig,
  repeats: number,
  options: ClusterDsiRunOptions = {},
): Promise<ClusterDsiRow[]> {
  const seed = 11;
  const targetOpts = { seed, latency: { ttftMs: cfg.targetTtft, tpotMs: cfg.targetTpot } };
  const drafterOpts = { seed, agreement: cfg.a, latency: { ttftMs: cfg.draftTtft, tpotMs: cfg.draftTpot } };
  const cluster = await startBenchCluster({
    target: { backend: 'emulated', options: targetOpts },
    drafter: { backend: 'emulated', options: drafterOpts },
    verifiers: cfg.targets,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  try {
    const localTarget = new EmulatedModel(targetOpts);
    const localDrafter = new EmulatedModel(drafterOpts);
    const rows: ClusterDsiRow[] = [];
    for (const mode of ['nonsi', 'si', 'dsi'] as const) {
      let wall = 0;
      let virtual = 0;
      for (let r = 0; r < repeats; r++) {
        const prompt = `benchmark prompt number ${r}`;
        const out = await cluster.generate(`b-${mode}-${r}`, prompt, mode, cfg.k, cfg.tokens);
        wall += out.wallMs;
        const v = runVirtual({
          mode,
          k: cfg.k,
          targets: cfg.targets,
          maxTokens: cfg.tokens,
          prompt: [localTarget.info.bosId, ...localTarget.tokenize(prompt)],
          eosId: localTarget.info.eosId,
          oracle: oracleOf(localTarget, localDrafter),
          drafter: { ttft: cfg.draftTtft, tpot: cfg.draftTpot },
          target: { ttft: cfg.targetTtft, tpot: cfg.targetTpot },
        });
        if (v.tokens.join() !== out.tokens.join())
          throw new InternalError(`${mode}: cluster and virtual outputs differ`);
        virtual += v.time;
        options.onRun?.(rows.length * repeats + r + 1, 3 * repeats);
      }
      rows.push({ mode, cluster: wall / repeats, virtual: virtual / repeats });
    }
    return rows;
  } finally {
    await cluster.stop();
  }
}

/** Renders the rows as the table the CLI and docs show. */
export function formatClusterDsi(
  cfg: ClusterDsiConfig,
  rows: readonly ClusterDsiRow[],
  repeats: number,
): string {
  const lines = [
    `a ${cfg.a}, k ${cfg.k}, ${cfg.targets} targets, ${cfg.tokens} tokens; drafter ${cfg.draftTtft}/${cfg.draftTpot} ms, target ${cfg.targetTtft}/${cfg.targetTpot} ms; mean of ${repeats}`,
    'mode     cluster ms   virtual ms   cluster/virtual   overhead ms/token',
  ];
  for (const r of rows) {
    lines.push(
      `${r.mode.padEnd(6)} ${r.cluster.toFixed(1).padStart(12)} ${r.virtual.toFixed(1).padStart(12)} ${(r.cluster / r.virtual).toFixed(3).padStart(17)} ${((r.cluster - r.virtual) / cfg.tokens).toFixed(3).padStart(19)}`,
    );
  }
  const by = Object.fromEntries(rows.map((r) => [r.mode, r])) as Record<OrchestrationMode, ClusterDsiRow>;
  lines.push(
    `DSI/SI: cluster ${(by.si.cluster / by.dsi.cluster).toFixed(3)}, virtual ${(by.si.virtual / by.dsi.virtual).toFixed(3)}; DSI/non-SI: cluster ${(by.nonsi.cluster / by.dsi.cluster).toFixed(3)}, virtual ${(by.nonsi.virtual / by.dsi.virtual).toFixed(3)}`,
  );
  return lines.join('\n');
}
