/**
 * The WC-DNN weights shipped with @specmesh/core, trained on the DSD scenario (docs/benchmarks/awc.md).
 * They are part of the module graph, not a file read at run time: core does no I/O. Weights a user
 * trains (`specmesh awc train`) are read by the CLI and passed in as `AwcWeights`.
 */
import shipped from './awc-dsd-v1.json' with { type: 'json' };
import { type AwcWeights, validateAwcWeights } from './awc-mlp.js';

// Policies are built per session: the shipped weights are validated once.
let validated: AwcWeights | undefined;

/** The shipped weights, validated. */
export function shippedAwcWeights(): AwcWeights {
  validated ??= validateAwcWeights(shipped);
  return validated;
}
