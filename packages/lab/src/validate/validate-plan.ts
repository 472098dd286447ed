/**
 * What a validation runs, derived from one scenario file: the real cluster's emulated model profile,
 * counts, link and workload (`ValidatePlan`), and the simulator's scenario with the costs measured on
 * this machine added (`simScenarioOf`). The scenario file is written in the simulator's terms; the
 * mapping to the emulated models (see packages/sim/scenarios/validate-4x4.yaml) is checked here, so a
 * file that the real cluster cannot reproduce is refused with a ConfigError naming the field.
 */
import { ConfigError } from '@specmesh/protocol';
import type { Scenario } from '@specmesh/sim';
import type { ValidateProfile } from './measured-costs.js';

export interface ValidatePlan {
  readonly name: string;
  readonly mode: 'si' | 'dsi';
  readonly k: number;
  readonly drafters: number;
  readonly verifiers: number;
  /** One-way delay the proxies add between each drafter and nats-server, ms, and its jitter. */
  readonly oneWayMs: number;
  readonly jitter: number;
  /** Emulated drafter agreement (i.i.d. per context). */
  readonly agreement: number;
  /** The emulated models' configured latency profiles (`specmesh node` flags). */
  readonly target: { readonly ttftMs: number; readonly tpotMs: number; readonly perTokenMs: number };
  readonly drafter: { readonly ttftMs: number; readonly tpotMs: number };
  readonly requests: number;
  readonly clients: number;
  readonly thinkMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

function refuse(field: string, message: string): never {
  throw new ConfigError(`validate: ${field}: ${message}`, { context: { field } });
}

/** Reads the plan from a scenario, with optional overrides of mode and request count. */
export function planOf(
  s: Scenario,
  overrides: { mode?: 'si' | 'dsi'; requests?: number } = {},
): ValidatePlan {
  if (s.drafters.length !== 1) refuse('drafters', 'needs exactly one drafter group');
  const g = s.drafters[0]!;
  if (typeof g.oneWayMs !== 'number') refuse('drafters.oneWayMs', 'needs one fixed value (one proxy delay)');
  if ((g.slots ?? 1) !== 1) refuse('drafters.slots', 'an emulated drafter runs one step at a time: use 1');
  if ((g.execution ?? s.speculation.execution ?? 'distributed') !== 'distributed')
    refuse('execution', 'the cluster runs distributed execution only');
  const t = s.targets;
  const l = t.latency;
  const perToken = l.perTokenMs ?? 0;
  if ((t.slots ?? 1) !== 1) refuse('targets.slots', 'an emulated verifier runs one step at a time: use 1');
  if ((l.perJobMs ?? 0) !== l.tpotMs)
    refuse('targets.latency.perJobMs', 'a batch costs the sum of its tasks: perJobMs must equal tpotMs');
  if ((l.prefillPerTokenMs ?? 0) !== perToken)
    refuse(
      'targets.latency.prefillPerTokenMs',
      'the emulated prefill costs perTokenMs per token: make them equal',
    );
  if ((t.batching?.maxJobs ?? 1) !== 1)
    refuse('targets.batching.maxJobs', "a verifier's tasks finish one by one: use 1");
  if ((s.messaging?.client ?? 'drafter') !== 'cloud')
    refuse('messaging.client', 'the validation client is connected directly to nats-server: use cloud');
  if (s.routing?.targets !== 'batcher')
    refuse('routing.targets', "the cluster's batcher routes as the simulator's batcher policy: use batcher");
  if (t.cache !== 'prefix')
    refuse('targets.cache', 'a verifier pays for every position its model does not hold: use prefix');
  const w = s.speculation.window;
  if (w.policy !== 'static') refuse('speculation.window.policy', 'use static');
  const acc = s.speculation.acceptance;
  if (acc.model !== 'iid')
    refuse('speculation.acceptance', 'the emulated drafter agrees i.i.d. per context: use iid');
  const mode = overrides.mode ?? s.speculation.mode;
  if (mode !== 'si' && mode !== 'dsi') refuse('speculation.mode', 'use si or dsi');
  const a = s.workload.arrival;
  if (a.process !== 'closed-loop' || a.thinkMs.dist !== 'fixed')
    refuse('workload.arrival', 'use closed-loop clients with a fixed think time');
  const fixed = (field: string, d: Scenario['workload']['promptTokens']) => {
    if (d.dist !== 'fixed' || !Number.isInteger(d.value)) refuse(field, 'use a fixed whole number of tokens');
    return d.value;
  };
  const promptTokens = fixed('workload.promptTokens', s.workload.promptTokens);
  // A prompt carries BOS, an id and some words: shorter ones could not be told apart.
  if (promptTokens < 16) refuse('workload.promptTokens', 'needs at least 16 tokens');
  const requests = overrides.requests ?? s.workload.requests;
  if (!(Number.isInteger(requests) && requests >= 1))
    refuse('requests', `must be a positive integer, got ${requests}`);
  return {
    name: s.name,
    mode,
    k: w.k,
    drafters: g.count,
    verifiers: t.count,
    oneWayMs: g.oneWayMs,
    jitter: g.jitter ?? 0,
    agreement: acc.a,
    // The simulator's prefill charges perTokenMs for every evaluated token, the emulated model for all
    // but the first: the emulated first call costs one perTokenMs more than ttftMs.
    target: { ttftMs: l.ttftMs + perToken, tpotMs: l.tpotMs, perTokenMs: perToken },
    drafter: { ttftMs: g.latency.ttftMs, tpotMs: g.latency.tpotMs },
    requests,
    clients: a.clients ?? g.count,
    thinkMs: a.thinkMs.value,
    promptTokens,
    outputTokens: fixed('workload.outputTokens', s.workload.outputTokens),
  };
}

/**
 * The scenario the simulator runs: the file's figures plus the measured costs (never fitted to the
 * outcome): a model step's worker and timer overhead on every target call and every drafted token,
 * the proxy's measured one-way delay, and the broker hop cost.
 */
export function simScenarioOf(s: Scenario, plan: ValidatePlan, p: ValidateProfile): Scenario {
  const g = s.drafters[0]!;
  const l = s.targets.latency;
  const ov = p.targetCallOverheadMs;
  return {
    ...s,
    drafters: [
      {
        ...g,
        oneWayMs: p.proxyOneWayMs,
        latency: {
          ttftMs: g.latency.ttftMs + p.draftTokenOverheadMs,
          tpotMs: g.latency.tpotMs + p.draftTokenOverheadMs,
        },
      },
    ],
    targets: {
      ...s.targets,
      latency: { ...l, ttftMs: l.ttftMs + ov, tpotMs: l.tpotMs + ov, perJobMs: (l.perJobMs ?? 0) + ov },
    },
    messaging: { ...s.messaging, hopMs: p.hopMs },
    speculation: { ...s.speculation, mode: plan.mode },
    workload: { ...s.workload, requests: plan.requests },
  };
}
