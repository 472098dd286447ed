/**
 * Latency profiles of target and drafter models for the capacity planner: named presets taken from the
 * references the simulator is calibrated on, or explicit figures (`tpot=15,ttft=45`).
 *
 * A target profile is the simulator's target latency model (latency-model.ts) plus its batching; a
 * drafter profile is its per-token cost on its own instance, its cost when it runs beside the target
 * (fused execution), how many streams one instance drafts at once, and how often the target accepts
 * its drafts.
 */
import { ConfigError } from '@specmesh/protocol';
import type { AcceptanceSpec } from '../acceptance-model.js';
import type { DrafterLatency, TargetLatency } from '../latency-model.js';

export interface TargetProfile {
  readonly name: string;
  /** Where the figures come from. */
  readonly source: string;
  readonly latency: TargetLatency;
  /** Longest wait of a batch's first job, ms, and most jobs per batch. */
  readonly batching: { readonly windowMs: number; readonly maxJobs: number };
}

export interface DrafterProfile {
  readonly name: string;
  readonly source: string;
  readonly latency: DrafterLatency;
  /** Per-token draft cost when the drafter runs on the target's server (fused execution), ms. */
  readonly fusedDraftMs: number;
  /** Draft streams one drafter instance runs at once, each at `latency`. */
  readonly slots: number;
  /** How often its target accepts its drafts, per window position. */
  readonly acceptance: AcceptanceSpec;
}

/** DSD's batching (shared/reference/dsd.json): a batch leaves after 0.3 ms or 12 jobs. */
const DSD_BATCHING = { windowMs: 0.3, maxJobs: 12 } as const;

export const TARGET_PRESETS: Readonly<Record<string, TargetProfile>> = {
  '7b': {
    name: '7b',
    source:
      'a ~7B target on a cloud GPU, the figures of the DSD reference scenario (packages/sim/scenarios/dsd-gsm8k.yaml)',
    latency: { ttftMs: 45, tpotMs: 15, prefillPerTokenMs: 0.08, perTokenMs: 0.4, perJobMs: 0.9 },
    batching: DSD_BATCHING,
  },
  '14b': {
    name: '14b',
    source:
      'Phi-3-medium (14B) measured on CNN-DM in the DSI public re-run (shared/reference/dsi.json: TTFT 350.9 ms, TPOT 73.6 ms); no per-token figures, so a verify step costs one TPOT',
    latency: { ttftMs: 350.9, tpotMs: 73.6 },
    batching: DSD_BATCHING,
  },
  'dsi-online': {
    name: 'dsi-online',
    source:
      'the target of the DSI online simulation fixture (shared/reference/dsi.json: first call 180.28 ms, later calls 100.18 ms), one job per step',
    latency: { ttftMs: 180.28, tpotMs: 100.18 },
    batching: { windowMs: 0, maxJobs: 1 },
  },
  emulated: {
    name: 'emulated',
    source:
      "specmesh's emulated target as the simulator sees it (packages/sim/scenarios/validate-4x4.yaml): steps run one at a time",
    latency: { ttftMs: 29, tpotMs: 20, prefillPerTokenMs: 1, perTokenMs: 1, perJobMs: 20 },
    batching: { windowMs: 0, maxJobs: 1 },
  },
};

export const DRAFTER_PRESETS: Readonly<Record<string, DrafterProfile>> = {
  small: {
    name: 'small',
    source:
      'the small edge drafter of the DSD reference scenario (dsd-gsm8k.yaml: 25 ms first token, 6 ms per token, 1.5 ms per token beside the target) with DSD’s GSM8K acceptance 0.93·0.97^pos; 8 streams per instance is an assumption (a ~1B model decodes a batch of 8 at about its single-stream speed), not a reference figure',
    latency: { ttftMs: 25, tpotMs: 6 },
    fusedDraftMs: 1.5,
    slots: 8,
    acceptance: { model: 'decaying', base: 0.93, decay: 0.97 },
  },
  'dsi-online': {
    name: 'dsi-online',
    source:
      'the drafter of the DSI online simulation fixture (shared/reference/dsi.json: first call 57.25 ms, later calls 3.34 ms, acceptance 0.94), one stream per instance',
    latency: { ttftMs: 57.25, tpotMs: 3.34 },
    fusedDraftMs: 3.34,
    slots: 1,
    acceptance: { model: 'iid', a: 0.94 },
  },
  emulated: {
    name: 'emulated',
    source:
      "specmesh's emulated drafter (validate-4x4.yaml: 3 ms first token, 2 ms later ones, acceptance 0.8), one stream per instance",
    latency: { ttftMs: 3, tpotMs: 2 },
    fusedDraftMs: 2,
    slots: 1,
    acceptance: { model: 'iid', a: 0.8 },
  },
};

/** Keys of an explicit profile (`ttft=45,tpot=15`) and the field each sets. */
const TARGET_KEYS = {
  ttft: 'ttftMs',
  tpot: 'tpotMs',
  prefillPerToken: 'prefillPerTokenMs',
  perToken: 'perTokenMs',
  perJob: 'perJobMs',
  windowMs: 'windowMs',
  maxJobs: 'maxJobs',
} as const;
const DRAFTER_KEYS = {
  ttft: 'ttftMs',
  tpot: 'tpotMs',
  fused: 'fusedDraftMs',
  slots: 'slots',
  a: 'a',
} as const;

function parseFigures(
  spec: string,
  option: string,
  keys: Readonly<Record<string, string>>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of spec.split(',')) {
    const [key, raw, extra] = part.split('=').map((x) => x.trim());
    const field = key === undefined ? undefined : keys[key];
    const value = Number(raw);
    if (
      !field ||
      raw === undefined ||
      raw === '' ||
      extra !== undefined ||
      !Number.isFinite(value) ||
      value < 0
    )
      throw new ConfigError(
        `${option}: ${JSON.stringify(part)} is not <figure>=<non-negative number>; figures: ${Object.keys(keys).join(', ')}`,
        { context: { option } },
      );
    out.set(field, value);
  }
  return out;
}

/**
 * A target profile from a preset name or explicit figures, e.g. `7b` or
 * `tpot=15,ttft=45,perToken=0.4,perJob=0.9,maxJobs=12` (ms; missing figures are 0, batching 1 job).
 */
export function resolveTargetModel(spec: string, option = '--target-model'): TargetProfile {
  const preset = TARGET_PRESETS[spec];
  if (preset) return preset;
  if (!spec.includes('='))
    throw new ConfigError(
      `${option}: unknown model ${JSON.stringify(spec)}; presets: ${Object.keys(TARGET_PRESETS).join(', ')}, or figures like tpot=15,ttft=45`,
      { context: { option } },
    );
  const f = parseFigures(spec, option, TARGET_KEYS);
  if (!f.has('tpotMs'))
    throw new ConfigError(`${option}: explicit figures need tpot=<ms>`, { context: { option } });
  const maxJobs = f.get('maxJobs') ?? 1;
  if (!Number.isInteger(maxJobs) || maxJobs < 1)
    throw new ConfigError(`${option}: maxJobs must be a positive integer`, { context: { option } });
  return {
    name: spec,
    source: 'explicit figures',
    latency: {
      ttftMs: f.get('ttftMs') ?? f.get('tpotMs')!,
      tpotMs: f.get('tpotMs')!,
      prefillPerTokenMs: f.get('prefillPerTokenMs') ?? 0,
      perTokenMs: f.get('perTokenMs') ?? 0,
      perJobMs: f.get('perJobMs') ?? 0,
    },
    batching: { windowMs: f.get('windowMs') ?? 0, maxJobs },
  };
}

/**
 * A drafter profile from a preset name or explicit figures, e.g. `small` or `tpot=6,ttft=25,a=0.8`
 * (ms; `fused` defaults to `tpot`, `slots` to 1; `a` is an i.i.d. acceptance rate and is required).
 */
export function resolveDrafterModel(spec: string, option = '--drafter-model'): DrafterProfile {
  const preset = DRAFTER_PRESETS[spec];
  if (preset) return preset;
  if (!spec.includes('='))
    throw new ConfigError(
      `${option}: unknown model ${JSON.stringify(spec)}; presets: ${Object.keys(DRAFTER_PRESETS).join(', ')}, or figures like tpot=6,ttft=25,a=0.8`,
      { context: { option } },
    );
  const f = parseFigures(spec, option, DRAFTER_KEYS);
  if (!f.has('tpotMs') || !f.has('a'))
    throw new ConfigError(`${option}: explicit figures need tpot=<ms> and a=<acceptance>`, {
      context: { option },
    });
  const a = f.get('a')!;
  if (a > 1) throw new ConfigError(`${option}: a must be in [0, 1], got ${a}`, { context: { option } });
  const slots = f.get('slots') ?? 1;
  if (!Number.isInteger(slots) || slots < 1)
    throw new ConfigError(`${option}: slots must be a positive integer`, { context: { option } });
  const tpotMs = f.get('tpotMs')!;
  return {
    name: spec,
    source: 'explicit figures',
    latency: { ttftMs: f.get('ttftMs') ?? tpotMs, tpotMs },
    fusedDraftMs: f.get('fusedDraftMs') ?? tpotMs,
    slots,
    acceptance: { model: 'iid', a },
  };
}
