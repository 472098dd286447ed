import { fileURLToPath } from 'node:url';
import { DEFAULT_VALIDATE_SCENARIO, formatValidation, METRICS, planOf, runValidation } from '@specmesh/lab';
import { loadScenario, type Scenario } from '@specmesh/sim';
import { describe, expect, it } from 'vitest';
import { within } from './within.js';

const ONE_WAY_MS = 15;
/** The role processes run this CLI's build, as `specmesh sim validate` has them. */
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** The shipped validation scenario, shrunk to a few requests on 2 drafters and 2 verifiers. */
function small(): Scenario {
  const s = loadScenario(DEFAULT_VALIDATE_SCENARIO);
  const g = s.drafters[0]!;
  return {
    ...s,
    drafters: [{ ...g, count: 2, oneWayMs: ONE_WAY_MS }],
    targets: { ...s.targets, count: 2 },
    workload: {
      ...s.workload,
      requests: 4,
      arrival: { process: 'closed-loop', clients: 2, thinkMs: { dist: 'fixed', value: 0 } },
      outputTokens: { dist: 'fixed', value: 16 },
    },
  };
}

describe('specmesh sim validate', () => {
  it('refuses a scenario the emulated cluster cannot reproduce, naming the field', () => {
    const s = small();
    expect(() => planOf({ ...s, targets: { ...s.targets, slots: 2 } })).toThrow(/targets\.slots/);
    expect(() =>
      planOf({ ...s, targets: { ...s.targets, latency: { ...s.targets.latency, perJobMs: 1 } } }),
    ).toThrow(/perJobMs/);
    expect(() => planOf({ ...s, messaging: { client: 'drafter' } })).toThrow(/messaging\.client/);
    // The emulated first call charges one perTokenMs less than the simulator's prefill formula.
    expect(planOf(s).target.ttftMs).toBe(s.targets.latency.ttftMs + (s.targets.latency.perTokenMs ?? 0));
  });

  it(
    'runs both sides: every request completes, greedy outputs agree, every metric is reported',
    async () => {
      const r = await runValidation({ nodeBin: BIN, scenario: small(), profileSamples: 5 });
      expect(r.sim.requests).toBe(4);
      expect(r.real.requests).toBe(4);
      // The simulator ran the emulated pair's own tokens: outputs match request by request.
      expect(r.outputs).toEqual({ compared: 4, equal: 4 });
      for (const rec of [...r.simRecords, ...r.realRecords]) expect(rec.tokens).toBe(16);
      // Same tokens, same verdicts: acceptance is identical on both sides.
      expect(r.sim.acceptance).toBeCloseTo(r.real.acceptance, 9);
      expect(r.rows.map((x) => x.key)).toEqual(METRICS.map((m) => m.key));
      for (const row of r.rows) {
        expect(row.sim).toBeGreaterThan(0);
        expect(row.real).toBeGreaterThan(0);
        expect(Number.isFinite(row.error)).toBe(true);
      }
      // Injected latency shows: a first token needs the session start, a task, its result and the
      // token chunk to cross a drafter's proxy (4 one-way delays), plus a draft and a prefill.
      const floor = 4 * ONE_WAY_MS + r.plan.drafter.ttftMs + r.plan.target.ttftMs;
      expect(r.real.ttftMeanMs).toBeGreaterThan(floor);
      expect(r.sim.ttftMeanMs).toBeGreaterThan(floor);
      // The profile's proxy delay is the difference of the fastest of 5 probes on each side: a
      // stall only lengthens a probe, so it can come out short only by the fastest direct probe's
      // stall (a few ms when all 5 stall on a loaded machine).
      expect(r.profile.idle.proxyOneWayMs).toBeGreaterThanOrEqual(ONE_WAY_MS * 0.75);
      expect(r.profile.idle.proxyOneWayMs).toBeLessThan(ONE_WAY_MS * 4);
      const text = formatValidation(r);
      for (const m of METRICS) expect(text).toContain(m.label);
      expect(text).toContain('greedy outputs equal on 4/4 requests');
    },
    within(90_000),
  );
});
