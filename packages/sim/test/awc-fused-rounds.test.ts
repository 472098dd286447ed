import { fileURLToPath } from 'node:url';
import { AWC_ALLOWED_WINDOWS, agreementOracle, type WindowFeatures } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import {
  adaptiveScenario,
  loadScenario,
  type RequestRecord,
  runScenario,
  type Scenario,
} from '../src/index.js';

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
const dsd = () => loadScenario(`${DIR}dsd-gsm8k.yaml`);

/** The DSD scenario small, SI, with per-round fused mode and windows up to 8. */
function perRound(over: Partial<Scenario> = {}): Scenario {
  const s = dsd();
  return {
    ...s,
    drafters: [{ ...s.drafters[0]!, count: 8 }],
    targets: { ...s.targets, count: 2 },
    speculation: { ...s.speculation, window: { policy: 'static', k: 4, maxK: 8, fusedRounds: true } },
    workload: { ...s.workload, requests: 40 },
    ...over,
  };
}

describe('per-round fused mode', () => {
  it('keeps greedy output identical to the target while switching between fused and distributed rounds', () => {
    const oracle = agreementOracle({ acceptance: 0.8, seed: 21 });
    const prompt = (id: number) => Uint32Array.from({ length: 8 }, (_, i) => 100 + 7 * id + i);
    const reference = (id: number, n: number) => {
      const ctx = Array.from(prompt(id));
      for (let i = 0; i < n; i++) ctx.push(oracle.target(Uint32Array.from(ctx)));
      return ctx.slice(8);
    };
    const cycle = [1, 4, 1, 1, 6, 2, 8, 3];
    const used = new Map<number, number[]>();
    const records: RequestRecord[] = [];
    const s = perRound({
      workload: {
        ...perRound().workload,
        promptTokens: { dist: 'fixed', value: 8 },
        outputTokens: { dist: 'fixed', value: 60 },
      },
    });
    runScenario(s, {
      oracle,
      prompt,
      onRequest: (r) => records.push(r),
      windowOverride: (d) => {
        const w = cycle[(d.requestId + d.index) % cycle.length]!;
        used.set(d.requestId, [...(used.get(d.requestId) ?? []), w]);
        return w;
      },
    });
    expect(records).toHaveLength(40);
    for (const r of records) {
      expect(r.output).toEqual(reference(r.id, 60));
      // Every request ran fused rounds and distributed ones, and switched between them.
      const w = used.get(r.id)!;
      expect(w).toContain(1);
      expect(w.some((x) => x >= 2)).toBe(true);
    }
  });

  it('runs a window of 1 fused: no network per round, whatever the link', () => {
    const at = (oneWayMs: number, k: number) =>
      runScenario(
        perRound({
          drafters: [{ ...perRound().drafters[0]!, oneWayMs, jitter: 0 }],
          speculation: { ...perRound().speculation, window: { policy: 'static', k, fusedRounds: true } },
        }),
      );
    const fusedNear = at(1, 1);
    const fusedFar = at(60, 1);
    // Rounds fused: TPOT does not see the 120 ms round trip (the stream still crosses once).
    expect(Math.abs(fusedFar.tpotMs.mean - fusedNear.tpotMs.mean)).toBeLessThan(1);
    expect(fusedFar.ttftMs.mean).toBeGreaterThan(fusedNear.ttftMs.mean + 100);
    // Distributed rounds pay it every round.
    expect(at(60, 4).tpotMs.mean).toBeGreaterThan(at(1, 4).tpotMs.mean + 20);
  });

  it('charges one link delay for each switch between fused and distributed rounds', () => {
    const run = (windows: (i: number) => number) =>
      runScenario(
        perRound({
          drafters: [{ ...perRound().drafters[0]!, oneWayMs: 40, jitter: 0 }],
          workload: { ...perRound().workload, outputTokens: { dist: 'fixed', value: 80 } },
        }),
        { windowOverride: (d) => windows(d.index) },
      );
    // Alternating fused and γ = 2 switches location every round; holding each for four rounds
    // switches a quarter as often, for the same mix of rounds.
    const alternating = run((i) => (i % 2 === 0 ? 1 : 2));
    const held = run((i) => (Math.floor(i / 4) % 2 === 0 ? 1 : 2));
    expect(alternating.e2eMs.mean).toBeGreaterThan(held.e2eMs.mean + 200);
  });

  it('leaves runs as they were when off: the DSD scenario reproduces its recorded figures', () => {
    const r = runScenario(dsd());
    expect(r.tokens).toBe(52603);
    expect(r.throughputTokPerSec.toFixed(1)).toBe('2542.0');
    expect(r.ttftMs.mean.toFixed(1)).toBe('113.4');
  });

  it('hands each decision the simulator state through WindowFeatures', () => {
    const seen: WindowFeatures[] = [];
    let first = 0;
    runScenario(perRound(), {
      windowOverride: (d, proposed) => {
        if (d.index === 0) {
          // The first round's window is decided before the session has a target or a measurement.
          expect(d.target).toBe(-1);
          expect(d.committed).toBe(0);
          first++;
        } else expect(d.target).toBeGreaterThanOrEqual(0);
        seen.push(d.features);
        return proposed;
      },
    });
    expect(first).toBe(40);
    expect(seen.length).toBeGreaterThan(100);
    for (const f of seen) {
      // Two jittered one-way delays of 5 to 11.5 ms (±12%).
      expect(f.rttMs!).toBeGreaterThanOrEqual(2 * 5 * 0.88);
      expect(f.rttMs!).toBeLessThanOrEqual(2 * 11.5 * 1.12);
      expect(f.tpotMs!).toBeGreaterThanOrEqual(15);
      expect(f.queueUtil!).toBeGreaterThanOrEqual(0);
      expect(f.drafterCapability).toBeCloseTo(15 / 21, 12);
    }
    expect(seen.some((f) => f.queueUtil! > 0)).toBe(true);
  });

  it("charges fused drafting to the target with fusedDraftCost target: it slows other sessions' rounds", () => {
    // Half the sessions run every round fused, the other half γ = 4 distributed, on shared targets.
    // With the drafting on the target (slow here, 8 ms a token), the fused sessions' drafting
    // lengthens the batches the distributed ones are verified in.
    const run = (fusedDraftCost: 'free' | 'target') => {
      const steps: number[] = [];
      const s = perRound({
        targets: { ...perRound().targets, fusedDraftMs: 8, fusedDraftCost },
        workload: { ...perRound().workload, requests: 80 },
      });
      const r = runScenario(s, {
        windowOverride: (d) => {
          const fused = d.requestId % 2 === 0;
          if (!fused && d.features.tpotMs !== undefined && d.index > 1) steps.push(d.features.tpotMs);
          return fused ? 1 : 4;
        },
      });
      return { r, step: steps.reduce((a, b) => a + b, 0) / steps.length };
    };
    const free = run('free');
    const target = run('target');
    // A distributed session's verify step (the batch it rides in) takes longer: it waits for drafting.
    expect(target.step).toBeGreaterThan(free.step + 1);
    expect(target.r.targetUtilisation.mean).toBeGreaterThan(free.r.targetUtilisation.mean);
    // Alone (one session at a time), a fused round takes as long either way: only capacity changes.
    const alone = (fusedDraftCost: 'free' | 'target') =>
      runScenario(
        perRound({
          drafters: [{ ...perRound().drafters[0]!, count: 1 }],
          targets: { ...perRound().targets, count: 1, fusedDraftCost },
          speculation: { ...perRound().speculation, window: { policy: 'static', k: 1, fusedRounds: true } },
          workload: { ...perRound().workload, requests: 5 },
        }),
      );
    expect(alone('target').e2eMs.mean).toBeCloseTo(alone('free').e2eMs.mean, 6);
  });

  it('charges fused drafting to the target in the AWC conditions unless the scenario says otherwise', () => {
    expect(adaptiveScenario(dsd(), 'awc', 4).targets.fusedDraftCost).toBe('target');
    const free = { ...dsd(), targets: { ...dsd().targets, fusedDraftCost: 'free' as const } };
    expect(adaptiveScenario(free, 'awc', 4).targets.fusedDraftCost).toBe('free');
    expect(dsd().targets.fusedDraftCost).toBeUndefined();
  });

  it("rounds AWC's output to window.awcWindows when given (its own set, DSD's and 0, otherwise)", () => {
    const windows = (awcWindows?: number[]) => {
      const seen = new Set<number>();
      runScenario(
        perRound({
          speculation: {
            ...perRound().speculation,
            window: {
              policy: 'awc',
              k: 4,
              maxK: 8,
              fusedRounds: true,
              ...(awcWindows ? { awcWindows } : {}),
            },
          },
        }),
        {
          windowOverride: (_d, proposed) => {
            seen.add(proposed);
            return proposed;
          },
        },
      );
      return [...seen].sort((a, b) => a - b);
    };
    expect(windows([4])).toEqual([4]);
    for (const w of windows([1, 4, 6, 8])) expect([1, 4, 6, 8]).toContain(w);
    for (const w of windows()) expect(AWC_ALLOWED_WINDOWS).toContain(w);
  });

  it('needs SI', () => {
    const s = perRound({ speculation: { ...perRound().speculation, mode: 'dsi' } });
    expect(() => runScenario(s)).toThrow(ConfigError);
    expect(() => runScenario(s)).toThrow(/fusedRounds needs mode si/);
  });
});
