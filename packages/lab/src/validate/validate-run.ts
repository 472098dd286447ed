/**
 * A validation end to end: reads the plan from a scenario, profiles this machine's costs, runs the
 * real cluster, runs the simulator on the same scenario (with the measured costs), and compares them
 * metric by metric. `specmesh sim validate` and bench/sim-validate.mjs both call `runValidation`.
 */
import { performance } from 'node:perf_hooks';
import { EmulatedModel, oracleOf } from '@specmesh/models';
import { InternalError } from '@specmesh/protocol';
import { runScenario, type Scenario } from '@specmesh/sim';
import { modelSpecOf } from '../model-args.js';
import { modelArgs, runCluster } from './validate-cluster.js';
import {
  METRICS,
  metricsOf,
  relativeError,
  type ValidateMetrics,
  type ValidateRecord,
} from './validate-metrics.js';
import { planOf, simScenarioOf, type ValidatePlan } from './validate-plan.js';
import {
  type ProfileOptions,
  probeUnderLoad,
  profileCosts,
  type ValidateProfile,
} from './validate-profile.js';
import { promptText, promptTokens } from './validate-prompts.js';

export interface ValidateOptions {
  /** The `specmesh` entry script the role processes run. */
  readonly nodeBin: string;
  /** The scenario to validate (see packages/sim/scenarios/validate-4x4.yaml for the mapping rules). */
  readonly scenario: Scenario;
  /** Overrides the scenario's speculation mode. Defaults to the scenario's. */
  readonly mode?: 'si' | 'dsi';
  /** Overrides the scenario's request count. Defaults to the scenario's. */
  readonly requests?: number;
  /**
   * How the simulator decides which drafts are right. `oracle`: it runs the emulated pair's own
   * tokens, the very ones the cluster produces, so acceptance and outputs match request by request and
   * only the timing model is under test; `iid`: the scenario's acceptance model (outputs not compared).
   * Defaults to `oracle`.
   */
  readonly acceptance?: 'oracle' | 'iid';
  /** Seed of the emulated language (target and drafter share it). Defaults to 11. */
  readonly seed?: number;
  /** Emulated vocabulary size. Defaults to 512. */
  readonly vocab?: number;
  /** Calls per cost measurement. Defaults to 30. */
  readonly profileSamples?: number;
  /** Progress lines. Defaults to none. */
  readonly say?: (line: string) => void;
  /** Called as each request of the real cluster completes, with the count done and the total. */
  readonly onRequest?: (done: number, total: number) => void;
}

export interface ValidateRow {
  readonly key: keyof ValidateMetrics;
  readonly label: string;
  readonly unit: string;
  readonly sim: number;
  readonly real: number;
  /** (sim − real) / real. */
  readonly error: number;
  /** The same with the costs of the idle machine. */
  readonly simIdle: number;
  readonly errorIdle: number;
}

export interface ValidationReport {
  readonly plan: ValidatePlan;
  readonly acceptanceModel: 'oracle' | 'iid';
  /** Costs measured on the idle machine before the roles start, and alongside the measured run. */
  readonly profile: { readonly idle: ValidateProfile; readonly loaded: ValidateProfile };
  /** The simulator with the costs measured under load (compared in `rows`), and with the idle ones. */
  readonly sim: ValidateMetrics;
  readonly simIdle: ValidateMetrics;
  readonly real: ValidateMetrics;
  readonly rows: readonly ValidateRow[];
  /** Requests whose outputs both sides produced, and how many of them are equal. */
  readonly outputs: { readonly compared: number; readonly equal: number };
  readonly wallMs: { readonly sim: number; readonly real: number };
  readonly simRecords: readonly ValidateRecord[];
  readonly realRecords: readonly ValidateRecord[];
}

function sameTokens(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function runValidation(o: ValidateOptions): Promise<ValidationReport> {
  const say = o.say ?? (() => undefined);
  const seed = o.seed ?? 11;
  const vocab = o.vocab ?? 512;
  const acceptanceModel = o.acceptance ?? 'oracle';
  const plan = planOf(o.scenario, {
    ...(o.mode ? { mode: o.mode } : {}),
    ...(o.requests !== undefined ? { requests: o.requests } : {}),
  });
  const args = modelArgs(plan, seed, vocab);
  const targetSpec = modelSpecOf(args, 'target');
  const drafterSpec = modelSpecOf(args, 'drafter');

  let idle: ValidateProfile | undefined;
  let loaded: ValidateProfile | undefined;
  const profileOf = (nats: { url: string; port: number; prefix: string }): ProfileOptions => ({
    natsUrl: nats.url,
    natsPort: nats.port,
    prefix: nats.prefix,
    target: targetSpec,
    drafter: drafterSpec,
    ...(o.profileSamples !== undefined ? { samples: o.profileSamples } : {}),
  });
  const t0 = performance.now();
  const real = await runCluster(plan, {
    nodeBin: o.nodeBin,
    promptOf: (id) => promptText(id, plan.promptTokens),
    seed,
    vocab,
    say,
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
    beforeRoles: async (nats) => {
      say('• measuring per-call, per-hop and proxy costs on the idle machine …');
      idle = await profileCosts(profileOf(nats), plan);
    },
    probe: async (nats) => {
      const p = await probeUnderLoad(profileOf(nats), plan);
      return {
        stop: async () => {
          loaded = await p.stop();
        },
      };
    },
  });
  const realWall = performance.now() - t0;
  if (!idle || !loaded) throw new InternalError('the cost probes did not run with the cluster');

  say('• simulating the same scenario …');
  // The very models the role processes run (their tokens; latencies do not matter to an oracle).
  if (targetSpec.backend !== 'emulated' || drafterSpec.backend !== 'emulated')
    throw new InternalError('validation runs the emulated backend');
  const oracle = oracleOf(new EmulatedModel(targetSpec.options), new EmulatedModel(drafterSpec.options));
  const simulate = (costs: ValidateProfile) => {
    const records: ValidateRecord[] = [];
    runScenario(simScenarioOf(o.scenario, plan, costs), {
      ...(acceptanceModel === 'oracle'
        ? { oracle, prompt: (id: number) => promptTokens(id, plan.promptTokens) }
        : {}),
      onRequest: (r) =>
        records.push({
          id: r.id,
          arrivedAt: r.arrivedAt,
          firstTokenAt: r.firstTokenAt,
          lastTokenAt: r.lastTokenAt,
          tokens: r.tokens,
          // What the cluster side can count off the wire (see validate-cluster.ts), not the
          // orchestrator's own counters.
          acceptedDrafts: r.committedDrafts,
          verifiedDrafts: r.uncancelledDrafts,
          ...(r.output ? { output: r.output } : {}),
        }),
    });
    return records.sort((a, b) => a.id - b.id);
  };
  const s0 = performance.now();
  const simRecords = simulate(loaded);
  const simWall = performance.now() - s0;
  const simIdleM = metricsOf(simulate(idle));
  const simM = metricsOf(simRecords);
  const realM = metricsOf(real.records);
  const rows = METRICS.map((m) => ({
    ...m,
    sim: simM[m.key],
    real: realM[m.key],
    error: relativeError(simM[m.key], realM[m.key]),
    simIdle: simIdleM[m.key],
    errorIdle: relativeError(simIdleM[m.key], realM[m.key]),
  }));
  let compared = 0;
  let equal = 0;
  const simById = new Map(simRecords.map((r) => [r.id, r]));
  for (const r of real.records) {
    const s = simById.get(r.id);
    if (!s?.output || !r.output) continue;
    compared++;
    if (sameTokens(s.output, r.output)) equal++;
  }
  return {
    plan,
    acceptanceModel,
    profile: { idle, loaded },
    sim: simM,
    simIdle: simIdleM,
    real: realM,
    rows,
    outputs: { compared, equal },
    wallMs: { sim: simWall, real: realWall },
    simRecords,
    realRecords: real.records,
  };
}
