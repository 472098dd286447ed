/** Files of the `specmesh awc` commands: the default scenario, and writing outputs with their folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@specmesh/protocol';
import { type Scenario, withBatchingTargets } from '@specmesh/sim';

/** The DSD reference scenario shipped with the simulator. */
export const DEFAULT_AWC_SCENARIO = fileURLToPath(
  new URL('../../../sim/scenarios/dsd-gsm8k.yaml', import.meta.url),
);

export function writeOutput(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (err) {
    throw new ConfigError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Checks a list of positive numbers from a flag. */
export function positiveList(
  option: string,
  values: readonly number[] | undefined,
  fallback: readonly number[],
): number[] {
  const v = values ?? fallback;
  if (v.length === 0 || v.some((x) => !(typeof x === 'number' && x > 0 && Number.isFinite(x))))
    throw new ConfigError(`--${option} must be positive numbers, got ${v.join(' ')}`, {
      context: { option },
    });
  return [...v];
}

export function positiveInt(option: string, v: number): number {
  if (!(Number.isInteger(v) && v >= 1))
    throw new ConfigError(`--${option} must be a positive integer, got ${v}`, { context: { option } });
  return v;
}

/** Who pays for fused drafting, from `--fused-draft-cost`. */
export type FusedDraftCost = 'free' | 'target';

/**
 * The scenario with `targets.fusedDraftCost` set from the flag; without the flag, as it is (the AWC
 * runs then charge fused drafting to the target unless the scenario says otherwise).
 */
export function withFusedDraftCost(s: Scenario, cost: FusedDraftCost | undefined): Scenario {
  return cost === undefined ? s : { ...s, targets: { ...s.targets, fusedDraftCost: cost } };
}

/** The `--fused-draft-cost` option of `awc label` and `awc bench`. */
export const FUSED_DRAFT_COST_OPTION = {
  type: 'string',
  choices: ['free', 'target'],
  describe:
    "Who pays for a fused round's drafting: target (the draft model shares the target's accelerator, " +
    "its drafting lengthens the verify batch) or free (beside the target; the first AWC figures). Default: the scenario's, else target",
} as const;

/** The `--batching-knee` and `--batching-per-position-ms` options of `awc label` and `awc bench`. */
export const BATCHING_OPTIONS = {
  'batching-knee': {
    type: 'number',
    describe:
      "Batching targets (core's roofline) turning compute-bound at this many positions per pass; the scenario's targets otherwise",
  },
  'batching-per-position-ms': {
    type: 'number',
    default: 0.4,
    describe: 'Cost of each further position in a batching pass below the knee, ms',
  },
} as const;

/** The scenario with batching targets when `knee` is given. */
export function withBatching(s: Scenario, knee: number | undefined, perPositionMs: number): Scenario {
  return knee === undefined ? s : withBatchingTargets(s, knee, perPositionMs);
}
