/**
 * Named target + drafter shapes for tests, demos and benchmarks. Figures measured with node-llama-cpp
 * 3.22.1, threads 1, on the 2-core reference machine (see the package README / the report).
 */
import type { SyntheticDrafterOptions, SyntheticTargetOptions } from './synthetic-options.js';

/** A target and a matching drafter, without file paths. */
export interface SyntheticPreset {
  readonly description: string;
  readonly target: Readonly<Omit<SyntheticTargetOptions, 'out'>>;
  readonly drafter: Readonly<Omit<SyntheticDrafterOptions, 'out' | 'from'>>;
}

/** Names of {@link SYNTHETIC_PRESETS}. */
export type SyntheticPresetName = 'tiny' | 'demo';

/**
 * - `tiny`: a 0.7 MB target built in tens of milliseconds, for tests (well under 1 ms per greedy step).
 * - `demo`: a 110 MB target (built in about 0.8 s) whose greedy step costs about 8.5 ms, and a 1-layer,
 *   128-wide drafter whose step costs about 0.35 ms (ratio ≈ 0.04): speculation can pay off, as on real
 *   model pairs. Below dim 64 a drafter's own greedy output starts to leave its map (measured 193/200
 *   at dim 32), so 64 is the floor; 128 costs the same as 64 here (per-call overhead dominates).
 */
export const SYNTHETIC_PRESETS: Readonly<Record<SyntheticPresetName, SyntheticPreset>> = {
  tiny: {
    description: 'target dim 64, 2 layers, vocab 512, f32; drafter dim 64, 1 layer, agreement 0.8',
    target: { layers: 2, dim: 64, vocab: 512, type: 'f32', seed: 1, contextLength: 2048 },
    drafter: { layers: 1, dim: 64, type: 'f32', agreement: 0.8 },
  },
  demo: {
    description:
      'target dim 512, 8 layers, vocab 2048, f32 (~110 MB); drafter dim 128, 1 layer, agreement 0.8',
    target: { layers: 8, dim: 512, vocab: 2048, type: 'f32', seed: 1, contextLength: 4096 },
    drafter: { layers: 1, dim: 128, type: 'f32', agreement: 0.8 },
  },
};
