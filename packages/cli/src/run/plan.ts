/** What `specmesh plan` does when it runs; the command and its flags are described in commands/plan.ts. */ import { performance } from 'node:perf_hooks';
import { readValidationRecord } from '@specmesh/lab';
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
    ...pick('predrafters'),
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
  // Read first: a bad file fails before minutes of search.
  const validation = args.validation !== undefined ? readValidationRecord(args.validation) : null;
  const t0 = performance.now();
  const result = planCapacity(optionsOf(args));
  const wallMs = performance.now() - t0;
  createOutput(args.json).result({ ...result, wallMs, validation }, () =>
    formatPlan(result, wallMs, validation),
  );
  if (!result.recommendation) process.exitCode = 1;
}
