import { fileURLToPath } from 'node:url';
import { agreementOracle, type WindowFeatures } from '@specmesh/core';
import { describe, expect, it } from 'vitest';
import { loadScenario, type RequestRecord, runScenario, type Scenario } from '../src/index.js';

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
const dsd = () => loadScenario(`${DIR}dsd-gsm8k.yaml`);

/** The DSD scenario small, SI, per-round mode (window ≤ 1 at the target), windows up to 8. */
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

/** Batching targets (roofline, knee 16 positions) with `users` closed-loop users and no think time. */
function busyBatching(users: number): Scenario {
  const s = perRound();
  const { batching: _, ...targets } = s.targets;
  return perRound({
    drafters: [{ ...s.drafters[0]!, count: users }],
    targets: { ...targets, count: 1, batchCost: { baseMs: 15, perPositionMs: 0.4, kneePositions: 16 } },
    workload: {
      ...s.workload,
      requests: users * 3,
      arrival: { process: 'closed-loop', thinkMs: { dist: 'fixed', value: 0 } },
      // Short prompts: the passes' positions are decoding, not prefill.
      promptTokens: { dist: 'fixed', value: 8 },
      outputTokens: { dist: 'fixed', value: 64 },
    },
  });
}

describe('per-round mode with plain steps (window 0)', () => {
  it('keeps greedy output identical to the target with plain steps among the rounds', () => {
    const oracle = agreementOracle({ acceptance: 0.8, seed: 5 });
    const prompt = (id: number) => Uint32Array.from({ length: 8 }, (_, i) => 50 + 3 * id + i);
    const reference = (id: number, n: number) => {
      const ctx = Array.from(prompt(id));
      for (let i = 0; i < n; i++) ctx.push(oracle.target(Uint32Array.from(ctx)));
      return ctx.slice(8);
    };
    const cycle = [0, 4, 0, 1, 6, 0, 8, 2];
    const records: RequestRecord[] = [];
    const s = perRound({
      workload: {
        ...perRound().workload,
        promptTokens: { dist: 'fixed', value: 8 },
        outputTokens: { dist: 'fixed', value: 40 },
      },
    });
    runScenario(s, {
      oracle,
      prompt,
      onRequest: (r) => records.push(r),
      windowOverride: (d) => cycle[(d.requestId + d.index) % cycle.length]!,
    });
    expect(records).toHaveLength(40);
    for (const r of records) expect(r.output).toEqual(reference(r.id, 40));
  });

  it('runs window 0 as plain steps at the target: no drafts, no network per round', () => {
    const run = (oneWayMs: number) => {
      const records: RequestRecord[] = [];
      const report = runScenario(
        perRound({ drafters: [{ ...perRound().drafters[0]!, oneWayMs, jitter: 0 }] }),
        { onRequest: (r) => records.push(r), windowOverride: () => 0 },
      );
      return { report, records };
    };
    const near = run(1);
    const far = run(200);
    for (const r of near.records) {
      expect(r.drafted).toBe(0);
      expect(r.tasks).toBeGreaterThanOrEqual(r.tokens - 1);
    }
    // Rounds cross no link: a slow link adds only the hand-over and the tokens' way to the client.
    expect(far.report.tpotMs.mean).toBeLessThan(near.report.tpotMs.mean * 1.2);
  });

  it('hands policies the load view, and a busy batching target makes plain steps beat speculation', () => {
    const seen: WindowFeatures[] = [];
    const at = (w: number) =>
      runScenario(busyBatching(64), {
        windowOverride: (d) => {
          seen.push(d.features);
          return w;
        },
      });
    const plain = at(0);
    const spec = at(4);
    expect(plain.throughputTokPerSec).toBeGreaterThan(spec.throughputTokPerSec * 1.1);
    const late = seen.filter((f) => f.round && (f.committed ?? 0) > 8);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((f) => f.round!.target.batchCost?.kneePositions === 16)).toBe(true);
    expect(late.some((f) => f.round!.target.sessions >= 16)).toBe(true);
    expect(late.every((f) => typeof f.nowMs === 'number')).toBe(true);
  });
});
