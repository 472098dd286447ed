/**
 * A hand-made WC-DNN for tests whose decision depends on the round trip alone, so cluster tests can
 * steer AWC with a delay proxy: y = 4 − silu(rtt / unit), i.e. γ = 8 − silu(rtt / 3 ms) with the
 * default unit (γ_default 4). Sub-millisecond round trips give γ = 8 (distributed); 40 ms gives γ = 1
 * (fused). The crossing into fused mode (γ rounds to 1 below 1.5) lies near 7 units (20 ms). A test
 * on a busy machine stretches the unit with its round trips.
 */
import { AWC_FEATURES, type AwcWeights } from '@specmesh/core';

/** Index of `rtt_avg_norm` (mean of the last 3 RTTs / 30 ms) in AWC's feature vector. */
const RTT_AVG = 3;

export function rttOnlyAwcWeights(unitMs = 3): AwcWeights {
  const inW = new Array<number>(AWC_FEATURES).fill(0);
  // rtt_avg_norm is rtt / 30 ms: weight 30 / unit makes the pre-activation rtt / unit.
  inW[RTT_AVG] = 30 / unitMs;
  return { version: 1, inputs: AWC_FEATURES, hidden: 1, inW, inB: [0], blocks: [], outW: [-1], outB: 4 };
}
