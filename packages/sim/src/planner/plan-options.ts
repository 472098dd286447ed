/**
 * Options of the capacity planner, resolved and validated once into an immutable {@link PlanConfig}.
 * Every failure is a `ConfigError` naming the option.
 */
import { ConfigError } from '@specmesh/protocol';
import type { Dist } from '../scenario-schema.js';
import {
  type DrafterProfile,
  resolveDrafterModel,
  resolveTargetModel,
  type TargetProfile,
} from './model-profiles.js';

/** `ssd`: DSI whose drafters each have `predrafters` instances beside them for pre-drafting (SSD-DSI). */
export type PlanMode = 'nonsi' | 'si' | 'dsi' | 'ssd';
/** A log-normal length distribution (the only kind the planner generates). */
export type LengthDist = Extract<Dist, { dist: 'lognormal' }>;
export type PlanExecution = 'distributed' | 'fused';

export interface PlanOptions {
  /** Target model: a preset (`7b`, `14b`, `dsi-online`, `emulated`) or figures (`tpot=15,ttft=45`). Defaults to `7b`. */
  readonly targetModel?: string;
  /** Override of the target's decode (verify) step, ms. */
  readonly targetTpotMs?: number;
  /** Override of the target's prefill step, ms. */
  readonly targetTtftMs?: number;
  /** Override of the target's cost per draft token checked, ms. */
  readonly targetPerTokenMs?: number;
  /** Drafter model: a preset (`small`, `dsi-online`, `emulated`) or figures (`tpot=6,a=0.8`). Defaults to `small`. */
  readonly drafterModel?: string;
  /** Override of the drafter's cost per token, ms. */
  readonly drafterTpotMs?: number;
  /** Override of the drafter's first-token cost, ms. */
  readonly drafterTtftMs?: number;
  /** Override of the draft streams one drafter instance runs at once. */
  readonly drafterSlots?: number;
  /** Override of the acceptance: an i.i.d. per-draft acceptance rate in [0, 1]. */
  readonly acceptance?: number;
  /** Requests per second, Poisson arrivals. */
  readonly rps: number;
  /** Round trip between drafters (and users) and targets, ms. Defaults to 10. */
  readonly rttMs?: number;
  /** Time per output token each request must stay within, ms. */
  readonly sloTpotMs: number;
  /** Time to first token each request must stay within, ms. Defaults to none. */
  readonly sloTtftMs?: number;
  /** Percentage of requests that must meet every SLO (90: the p90 must be within them). Defaults to 90. */
  readonly sloPercentile?: number;
  /** Most instances (drafters + targets) to consider. Defaults to 64. */
  readonly maxInstances?: number;
  /**
   * Modes to consider. Defaults to `nonsi`, `si`, `dsi`; `ssd` (SSD-DSI) is considered when named,
   * and needs an i.i.d. acceptance (its branches guess real tokens).
   */
  readonly modes?: readonly PlanMode[];
  /** SSD-DSI: pre-drafter instances beside each drafter (counted as instances). Defaults to 2. */
  readonly predrafters?: number;
  /** Executions to consider. Defaults to both: `distributed`, `fused`. */
  readonly executions?: readonly PlanExecution[];
  /** Windows `k` to consider for distributed speculation. Defaults to 2, 3, 4, 6, 8 (DSD's allowed set). */
  readonly windows?: readonly number[];
  /** Mean prompt length, tokens (log-normal, DSD's GSM8K shape). Defaults to 95. */
  readonly promptTokens?: number;
  /** Mean output length, tokens (log-normal, DSD's GSM8K shape). Defaults to 130. */
  readonly outputTokens?: number;
  /** Requests per search simulation. Defaults to 1200. */
  readonly requests?: number;
  /** Requests per check simulation. Defaults to three times `requests`. */
  readonly checkRequests?: number;
  /** Seed of the search simulations; the check uses `seed + 1`. Defaults to 1. */
  readonly seed?: number;
  /** Simulations the search may run before it stops looking at further configurations. Defaults to 150. */
  readonly maxSimulations?: number;
}

export interface PlanConfig {
  readonly target: TargetProfile;
  readonly drafter: DrafterProfile;
  readonly rps: number;
  readonly rttMs: number;
  readonly sloTpotMs: number;
  readonly sloTtftMs: number | undefined;
  readonly sloPercentile: number;
  readonly maxInstances: number;
  readonly modes: readonly PlanMode[];
  readonly predrafters: number;
  readonly executions: readonly PlanExecution[];
  readonly windows: readonly number[];
  readonly promptTokens: LengthDist;
  readonly outputTokens: LengthDist;
  readonly requests: number;
  readonly checkRequests: number;
  readonly seed: number;
  readonly checkSeed: number;
  readonly maxSimulations: number;
}

function fail(option: string, message: string): never {
  throw new ConfigError(`${option} ${message}`, { context: { option } });
}

function positive(option: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) fail(option, `must be a positive number, got ${v}`);
}

function nonNegative(option: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) fail(option, `must be a number >= 0, got ${v}`);
}

function positiveInt(option: string, v: number | undefined, min = 1): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min))
    fail(option, `must be an integer >= ${min}, got ${v}`);
}

/**
 * DSD's GSM8K-like length distribution scaled to `mean`: log-normal, clamped to the same relative
 * range as the reference (prompts 95 tokens, 20–400; outputs 130 tokens, 16–512).
 */
function lengths(mean: number, cv: number, lo: number, hi: number): LengthDist {
  return { dist: 'lognormal', mean, cv, min: Math.max(1, Math.round(mean * lo)), max: Math.round(mean * hi) };
}

export function resolvePlanOptions(o: PlanOptions): PlanConfig {
  positive('--rps', o.rps);
  if (o.rps === undefined) fail('--rps', 'is required');
  positive('--slo-tpot', o.sloTpotMs);
  if (o.sloTpotMs === undefined) fail('--slo-tpot', 'is required');
  positive('--slo-ttft', o.sloTtftMs);
  nonNegative('--rtt', o.rttMs);
  for (const [option, v] of [
    ['--target-tpot-ms', o.targetTpotMs],
    ['--target-ttft-ms', o.targetTtftMs],
    ['--target-per-token-ms', o.targetPerTokenMs],
    ['--drafter-tpot-ms', o.drafterTpotMs],
    ['--drafter-ttft-ms', o.drafterTtftMs],
  ] as const)
    nonNegative(option, v);
  positiveInt('--drafter-slots', o.drafterSlots);
  if (o.acceptance !== undefined && !(o.acceptance >= 0 && o.acceptance <= 1))
    fail('--acceptance', `must be in [0, 1], got ${o.acceptance}`);
  if (o.sloPercentile !== undefined && !(o.sloPercentile > 0 && o.sloPercentile <= 100))
    fail('--slo-percentile', `must be in (0, 100], got ${o.sloPercentile}`);
  positiveInt('--max-instances', o.maxInstances);
  positive('--prompt-tokens', o.promptTokens);
  positive('--output-tokens', o.outputTokens);
  positiveInt('--requests', o.requests, 20);
  positiveInt('--check-requests', o.checkRequests, 20);
  positiveInt('--seed', o.seed, 0);
  positiveInt('--max-simulations', o.maxSimulations);
  const modes = o.modes ?? ['nonsi', 'si', 'dsi'];
  for (const m of modes)
    if (!['nonsi', 'si', 'dsi', 'ssd'].includes(m))
      fail('--modes', `must name nonsi, si, dsi or ssd, got ${m}`);
  positiveInt('--predrafters', o.predrafters);
  const executions = o.executions ?? ['distributed', 'fused'];
  for (const e of executions)
    if (e !== 'distributed' && e !== 'fused')
      fail('--executions', `must name distributed or fused, got ${e}`);
  const windows = o.windows ?? [2, 3, 4, 6, 8];
  for (const k of windows)
    if (!(Number.isInteger(k) && k >= 1 && k <= 64)) fail('--windows', `must be integers in 1..64, got ${k}`);
  if (modes.length === 0 || executions.length === 0 || windows.length === 0)
    fail('--modes/--executions/--windows', 'must each name at least one value');

  const t = resolveTargetModel(o.targetModel ?? '7b');
  const target: TargetProfile = {
    ...t,
    latency: {
      ...t.latency,
      ...(o.targetTpotMs !== undefined ? { tpotMs: o.targetTpotMs } : {}),
      ...(o.targetTtftMs !== undefined ? { ttftMs: o.targetTtftMs } : {}),
      ...(o.targetPerTokenMs !== undefined ? { perTokenMs: o.targetPerTokenMs } : {}),
    },
  };
  const d = resolveDrafterModel(o.drafterModel ?? 'small');
  const drafter: DrafterProfile = {
    ...d,
    latency: {
      ttftMs: o.drafterTtftMs ?? d.latency.ttftMs,
      tpotMs: o.drafterTpotMs ?? d.latency.tpotMs,
    },
    fusedDraftMs:
      o.drafterTpotMs !== undefined && d.fusedDraftMs === d.latency.tpotMs ? o.drafterTpotMs : d.fusedDraftMs,
    slots: o.drafterSlots ?? d.slots,
    acceptance: o.acceptance !== undefined ? { model: 'iid', a: o.acceptance } : d.acceptance,
  };
  if (modes.includes('ssd') && drafter.acceptance.model !== 'iid')
    fail(
      '--modes',
      'ssd needs an i.i.d. acceptance (--acceptance, or a drafter model with one): its pre-drafts guess real tokens',
    );
  const requests = o.requests ?? 1200;
  const seed = o.seed ?? 1;
  return Object.freeze({
    target,
    drafter,
    rps: o.rps,
    rttMs: o.rttMs ?? 10,
    sloTpotMs: o.sloTpotMs,
    sloTtftMs: o.sloTtftMs,
    sloPercentile: o.sloPercentile ?? 90,
    maxInstances: o.maxInstances ?? 64,
    modes: [...new Set(modes)],
    predrafters: o.predrafters ?? 2,
    executions: [...new Set(executions)],
    windows: [...new Set(windows)].sort((a, b) => a - b),
    promptTokens: lengths(o.promptTokens ?? 95, 0.35, 20 / 95, 400 / 95),
    outputTokens: lengths(o.outputTokens ?? 130, 0.45, 16 / 130, 512 / 130),
    requests,
    checkRequests: o.checkRequests ?? 3 * requests,
    seed,
    checkSeed: seed + 1,
    maxSimulations: o.maxSimulations ?? 150,
  });
}
