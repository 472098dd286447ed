/**
 * The capacity planner on a small, fast setting (a 10 ms target, a 1 ms drafter, short requests): what
 * it recommends meets the SLO and one target fewer does not, more load never needs fewer targets, and
 * bad options are refused naming the option.
 */
import { ErrorCode, SpecmeshError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { evaluateSize } from '../src/planner/evaluate-size.js';
import { resolveDrafterModel, resolveTargetModel, TARGET_PRESETS } from '../src/planner/model-profiles.js';
import { planCapacity } from '../src/planner/plan-capacity.js';
import { type PlanOptions, resolvePlanOptions } from '../src/planner/plan-options.js';

const SMALL: PlanOptions = {
  targetModel: 'tpot=10,ttft=15,perToken=1,perJob=2,maxJobs=4,windowMs=0.2',
  drafterModel: 'tpot=1,ttft=2,a=0.8,slots=4',
  rps: 40,
  rttMs: 4,
  sloTpotMs: 12,
  promptTokens: 16,
  outputTokens: 24,
  requests: 200,
  modes: ['si'],
  executions: ['distributed'],
  windows: [4],
};

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmeshError);
    expect((err as SpecmeshError).code).toBe(ErrorCode.Config);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('planCapacity', () => {
  it('recommends a size that meets the SLO, where one target fewer does not', () => {
    const plan = planCapacity(SMALL);
    const rec = plan.recommendation!;
    expect(rec).toBeDefined();
    expect(rec.candidate).toEqual({ mode: 'si', execution: 'distributed', k: 4 });
    expect(rec.point.meets).toBe(true);
    expect(rec.point.tpotMs.p90).toBeLessThanOrEqual(SMALL.sloTpotMs);
    expect(plan.check?.confirmed).toBe(true);
    const fewer = plan.check?.rows.find((r) => r.label === 'one target fewer')?.point;
    expect(fewer?.meets).toBe(false);
    // A seed the planner did not use agrees that one target fewer is too few, and one more is enough
    // (the recommendation itself is the smallest size that meets, so it sits near the SLO by design).
    const config = resolvePlanOptions(SMALL);
    const { drafters, targets } = rec.size;
    expect(evaluateSize(config, rec.candidate, { drafters, targets: targets - 1 }, 11, 600).meets).toBe(
      false,
    );
    expect(evaluateSize(config, rec.candidate, { drafters, targets: targets + 1 }, 11, 600).meets).toBe(true);
    // The chart's points around the recommendation miss below it and meet from it on.
    for (const p of plan.curve) expect(p.meets, `${p.targets} targets`).toBe(p.targets >= targets);
  });

  it('never recommends fewer targets for a higher request rate', () => {
    const targets = [10, 20, 40, 80].map(
      (rps) => planCapacity({ ...SMALL, rps }).recommendation?.size.targets,
    );
    expect(targets.every((t) => t !== undefined)).toBe(true);
    for (let i = 1; i < targets.length; i++) expect(targets[i]!).toBeGreaterThanOrEqual(targets[i - 1]!);
    expect(targets.at(-1)!).toBeGreaterThan(targets[0]!);
  });

  it('picks the configuration with the fewest instances among those it searched', () => {
    const plan = planCapacity({ ...SMALL, windows: [2, 4], executions: ['distributed', 'fused'] });
    const rec = plan.recommendation!;
    for (const o of plan.candidates)
      if (o.outcome === 'met' && o.size)
        expect(rec.total).toBeLessThanOrEqual(o.size.drafters + o.size.targets);
    expect(plan.candidates.map((o) => o.label).sort()).toEqual(
      ['si distributed k=2', 'si distributed k=4', 'si fused'].sort(),
    );
  });

  it('chooses SSD-DSI where DSI cannot meet the SLO, counting its pre-drafters as instances', () => {
    // A slow drafter (c = 0.3): DSI's restart after a rejection is what the SLO cannot afford.
    const slow: PlanOptions = {
      targetModel: 'tpot=100,ttft=180',
      drafterModel: 'tpot=30,a=0.7',
      rps: 1,
      rttMs: 10,
      sloTpotMs: 85,
      promptTokens: 16,
      outputTokens: 60,
      requests: 80,
      checkRequests: 80,
      modes: ['dsi', 'ssd'],
      executions: ['distributed'],
      windows: [3],
      maxInstances: 40,
    };
    const plan = planCapacity(slow);
    const rec = plan.recommendation!;
    expect(rec.candidate.mode).toBe('ssd');
    expect(plan.candidates.find((o) => o.candidate.mode === 'dsi')?.outcome).toBe('cannot-win');
    // Two pre-drafters beside each drafter are bought too.
    expect(rec.total).toBe(rec.size.targets + 3 * rec.size.drafters);
    // The same size without pre-drafting misses the SLO: the pre-drafters are what meets it.
    const config = resolvePlanOptions(slow);
    const dsi = evaluateSize(config, { ...rec.candidate, mode: 'dsi' }, rec.size, config.checkSeed, 80);
    expect(dsi.projectedTpotMs).toBeGreaterThan(rec.point.projectedTpotMs);
  });

  it('says so when no size within --max-instances meets the SLO', () => {
    const plan = planCapacity({ ...SMALL, sloTpotMs: 3 });
    expect(plan.recommendation).toBeUndefined();
    expect(plan.check).toBeUndefined();
    expect(plan.candidates.every((o) => o.outcome === 'cannot-win')).toBe(true);
  });
});

describe('planner options', () => {
  it('refuses bad options naming the option', () => {
    expect(configError(() => resolvePlanOptions({ ...SMALL, rps: 0 }))).toContain('--rps');
    expect(configError(() => resolvePlanOptions({ ...SMALL, sloTpotMs: -1 }))).toContain('--slo-tpot');
    expect(configError(() => resolvePlanOptions({ ...SMALL, windows: [0] }))).toContain('--windows');
    expect(configError(() => resolvePlanOptions({ ...SMALL, sloPercentile: 120 }))).toContain(
      '--slo-percentile',
    );
    expect(configError(() => resolvePlanOptions({ ...SMALL, requests: 5 }))).toContain('--requests');
    // SSD-DSI guesses real tokens: only with an i.i.d. acceptance.
    expect(
      configError(() => resolvePlanOptions({ ...SMALL, drafterModel: 'small', modes: ['ssd'] })),
    ).toContain('i.i.d.');
    expect(configError(() => resolvePlanOptions({ ...SMALL, predrafters: 0 }))).toContain('--predrafters');
  });

  it('reads presets and explicit latency figures', () => {
    expect(resolveTargetModel('7b')).toBe(TARGET_PRESETS['7b']);
    expect(resolveTargetModel('tpot=30,ttft=80,maxJobs=8').latency).toEqual({
      ttftMs: 80,
      tpotMs: 30,
      prefillPerTokenMs: 0,
      perTokenMs: 0,
      perJobMs: 0,
    });
    expect(resolveDrafterModel('tpot=4,a=0.75')).toMatchObject({
      latency: { ttftMs: 4, tpotMs: 4 },
      fusedDraftMs: 4,
      slots: 1,
      acceptance: { model: 'iid', a: 0.75 },
    });
    expect(configError(() => resolveTargetModel('70b'))).toContain('presets: 7b');
    expect(configError(() => resolveTargetModel('tpot=fast'))).toContain('--target-model');
    expect(configError(() => resolveDrafterModel('tpot=4'))).toContain('a=<acceptance>');
  });

  it('applies single-figure overrides on top of a preset', () => {
    const c = resolvePlanOptions({
      rps: 1,
      sloTpotMs: 50,
      targetTpotMs: 20,
      acceptance: 0.5,
      drafterSlots: 2,
    });
    expect(c.target.latency).toMatchObject({ tpotMs: 20, ttftMs: 45 });
    expect(c.drafter).toMatchObject({ slots: 2, acceptance: { model: 'iid', a: 0.5 } });
    expect(c.checkSeed).not.toBe(c.seed);
  });
});
