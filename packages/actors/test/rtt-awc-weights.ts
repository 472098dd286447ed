/**
 * A hand-made WC-DNN for tests whose decision depends on the round trip alone, so cluster tests can
 * steer AWC with a delay proxy: y = 4 − silu(10 · rtt_avg_norm), i.e. γ = 8 − silu(rtt / 3 ms)
 * (γ_default 4). Sub-millisecond round trips give γ = 8 (distributed); 40 ms gives γ = 1 (fused). The
 * crossing into fused mode (γ rounds to 1 below 1.5) lies near 20 ms.
 */
import { AWC_FEATURES, type AwcWeights } from '@specmesh/core';

/** Index of `rtt_avg_norm` (mean of the last 3 RTTs / 30 ms) in AWC's feature vector. */
const RTT_AVG = 3;

export function rttOnlyAwcWeights(): AwcWeights {
  const inW = new Array<number>(AWC_FEATURES).fill(0);
  inW[RTT_AVG] = 10;
  return { version: 1, inputs: AWC_FEATURES, hidden: 1, inW, inB: [0], blocks: [], outW: [-1], outB: 4 };
}
