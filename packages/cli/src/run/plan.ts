/**
 * `specmesh plan`: how many drafter and target instances, which mode, execution and window serve a
 * request rate within latency SLOs, answered by the simulator (`@specmesh/sim`'s planner) and checked
 * with a second seed. Exits 1 when no configuration within `--max-instances` meets the SLOs.
 */
import { performance } from 'node:perf_hooks';
import { type PlanOptions, planCapacity } from '@specmesh/sim';
import type { ArgumentsCamelCase } from 'yargs';
import type { PlanArgs } from '../commands/plan.js';
import { createOutput } from '../output.js';
import { formatPlan } from '../plan/format-plan.js';
import { parseDurationMs } from '../plan/parse-duration.js';

/** Flags to planner options; validation is the planner's (resolvePlanOptions). */
function optionsOf(a: ArgumentsCamelCase<PlanArgs>): PlanOptions {
  const pick = <K extends keyof PlanArgs>(k: K) => (a[k] === undefined ? {} : { [k]: a[k] });
  return {
    targetModel: a.targetModel,
    drafterModel: a.drafterModel,
    ...pick('targetTpotMs'),
    ...pick('targetTtftMs'),
    ...pick('targetPerTokenMs'),
    ...pick('drafterTpotMs'),
    ...pick('drafterTtftMs'),
    ...pick('drafterSlots'),
    ...pick('acceptance'),
    rps: a.rps,
    rttMs: parseDurationMs(a.rtt, '--rtt'),
    sloTpotMs: parseDurationMs(a.sloTpot, '--slo-tpot'),
    ...(a.sloTtft !== undefined ? { sloTtftMs: parseDurationMs(a.sloTtft, '--slo-ttft') } : {}),
    ...pick('sloPercentile'),
    ...pick('maxInstances'),
    ...pick('modes'),
    ...pick('executions'),
    ...pick('windows'),
    ...pick('promptTokens'),
    ...pick('outputTokens'),
    ...pick('requests'),
    ...pick('checkRequests'),
    ...pick('seed'),
  };
}

export async function runPlan(args: ArgumentsCamelCase<PlanArgs>): Promise<void> {
  const t0 = performance.now();
  const result = planCapacity(optionsOf(args));
  const wallMs = performance.now() - t0;
  createOutput(args.json).result({ ...result, wallMs }, () => formatPlan(result, wallMs));
  if (!result.recommendation) process.exitCode = 1;
}
