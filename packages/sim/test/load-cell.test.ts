import { agreementOracle, batchStepMs, TARGET_70B_PROFILE } from '@specmesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LoadCell,
  type LoadCellMode,
  type LoadCellResult,
  loadCellScenario,
  parseScenario,
  type RequestRecord,
  runScenario,
  simulateLoadCell,
} from '../src/index.js';

/** The benchmark's grid cell: a 70B target profile, acceptance 0.8, k 4, a 2 ms/token drafter. */
function cell(concurrency: number, mode: LoadCellMode, over: Partial<LoadCell> = {}): LoadCell {
  return {
    concurrency,
    rttMs: 1,
    mode,
    k: 4,
    targets: 2,
    batchCost: TARGET_70B_PROFILE,
    drafterTpotMs: 2,
    acceptance: 0.8,
    promptTokens: 32,
    outputTokens: 64,
    requests: 200,
    ...over,
  };
}

function grid(concurrency: number): Record<LoadCellMode, LoadCellResult> {
  const modes: LoadCellMode[] = ['nonsi', 'si', 'dsi', 'auto'];
  return Object.fromEntries(modes.map((m) => [m, simulateLoadCell(cell(concurrency, m))])) as Record<
    LoadCellMode,
    LoadCellResult
  >;
}

describe('simulateLoadCell: speculation that pays at every load', () => {
  it('at concurrency 1, SI and DSI beat non-SI clearly and auto keeps up with the best', () => {
    const r = grid(1);
    // A lone session: every pass is memory-bound, so verifying 4 drafts costs about a plain step.
    expect(r.si.tokensPerSec).toBeGreaterThan(2 * r.nonsi.tokensPerSec);
    expect(r.dsi.tokensPerSec).toBeGreaterThan(2 * r.nonsi.tokensPerSec);
    const best = Math.max(r.nonsi.tokensPerSec, r.si.tokensPerSec, r.dsi.tokensPerSec);
    expect(r.auto.tokensPerSec).toBeGreaterThanOrEqual(0.95 * best);
    // Auto speculates throughout.
    expect(r.auto.rounds!.nonsi).toBe(0);
    expect(r.auto.rounds!.si + r.auto.rounds!.dsi).toBeGreaterThan(0);
    // Speculation also costs the target less per token here (fewer passes).
    expect(r.si.targetComputeMsPerToken).toBeLessThan(r.nonsi.targetComputeMsPerToken / 2);
  });

  it('at concurrency 64, past the knee, non-SI beats SI; auto follows it and load-aware DSI holds SI', () => {
    const r = grid(64);
    expect(r.nonsi.tokensPerSec).toBeGreaterThan(1.1 * r.si.tokensPerSec);
    const best = Math.max(r.nonsi.tokensPerSec, r.si.tokensPerSec, r.dsi.tokensPerSec);
    expect(r.auto.tokensPerSec).toBeGreaterThanOrEqual(0.95 * best);
    // Auto plans mostly plain rounds.
    expect(r.auto.rounds!.nonsi).toBeGreaterThan(10 * (r.auto.rounds!.si + r.auto.rounds!.dsi));
    // DSI finds no target free for a parallel task (it asks before sending one), verifies full
    // windows as SI does while drafting ahead, and holds SI.
    expect(r.dsi.tokensPerSec).toBeGreaterThanOrEqual(0.97 * r.si.tokensPerSec);
    for (const m of ['nonsi', 'si', 'dsi', 'auto'] as const) {
      expect(r[m].ttftMs.p50).toBeLessThanOrEqual(r[m].ttftMs.p99);
      expect(r[m].tpotMs.p50).toBeGreaterThan(0);
    }
  });

  it('completes the mid-load DSI and auto cells of the grid (a declined task never strands a session)', () => {
    for (const concurrency of [4, 16])
      for (const rttMs of [1, 20])
        for (const mode of ['dsi', 'auto'] as const) {
          const r = simulateLoadCell(cell(concurrency, mode, { rttMs }));
          expect(r.tokensPerSec).toBeGreaterThan(0);
        }
  });

  it('is deterministic for a seed', () => {
    const a = simulateLoadCell(cell(8, 'auto', { requests: 40 }));
    expect(simulateLoadCell(cell(8, 'auto', { requests: 40 }))).toEqual(a);
    expect(simulateLoadCell(cell(8, 'auto', { requests: 40, seed: 7 }))).not.toEqual(a);
  });

  it('scenario files may ask for auto and batching targets', () => {
    const s = parseScenario(JSON.stringify(loadCellScenario(cell(4, 'auto', { requests: 12 }))));
    expect(s.speculation.mode).toBe('auto');
    expect(s.targets.batchCost).toEqual(TARGET_70B_PROFILE);
    expect(runScenario(s).completed).toBe(12);
  });
});

describe("simulateLoadCell with a cluster's measured costs", () => {
  const costs = { hopMs: 2, linkOneWayMs: 3, stepOverheadMs: 5, draftTokenOverheadMs: 0.5 };

  it('models the measured cluster: its link, hops, verifier overhead, drafter overhead and a cloud client', () => {
    const s = loadCellScenario(cell(1, 'si', { costs }));
    expect(s.drafters[0]!.oneWayMs).toBe(3);
    expect(s.drafters[0]!.latency).toEqual({ ttftMs: 2.5, tpotMs: 2.5 });
    expect(s.messaging).toEqual({ hopMs: 2, client: 'cloud', directVerify: true, stepOverheadMs: 5 });
    // Without costs: DSD-Sim's ideal cell, as before.
    const ideal = loadCellScenario(cell(1, 'si'));
    expect(ideal.messaging).toBeUndefined();
    expect(ideal.drafters[0]!.oneWayMs).toBe(0.5);
  });

  it('a plain round costs the link both ways, one hop each way, the step overhead and the pass', () => {
    const c = cell(1, 'nonsi', { costs, requests: 10 });
    // 2 × 3 (link) + 2 × 2 (hops) + 5 (verifier host) + 30 (a pass of one position).
    const pass = batchStepMs(TARGET_70B_PROFILE, 1);
    expect(simulateLoadCell(c).tpotMs.p50).toBeCloseTo(6 + 4 + 5 + pass, 9);
    // Through the batcher every round crosses one hop more.
    const s = loadCellScenario(c);
    const viaBatcher = runScenario({ ...s, messaging: { ...s.messaging, directVerify: false } });
    expect(viaBatcher.tpotMs.p50).toBeCloseTo(6 + 6 + 5 + pass, 9);
  });

  it('costs slow every mode down and leave the target compute per token alone', () => {
    for (const mode of ['nonsi', 'si', 'dsi'] as const) {
      const ideal = simulateLoadCell(cell(1, mode, { requests: 20 }));
      const real = simulateLoadCell(cell(1, mode, { requests: 20, costs }));
      expect(real.tokensPerSec).toBeLessThan(ideal.tokensPerSec);
      if (mode !== 'dsi') expect(real.targetComputeMsPerToken).toBeCloseTo(ideal.targetComputeMsPerToken, 6);
    }
  });
});

describe('auto mode is lossless in the simulator', () => {
  it('with a token oracle, auto (and load-aware DSI) yield exactly the greedy output at any acceptance and load', () => {
    fc.assert(
      fc.property(
        fc.record({
          acceptance: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.nat({ max: 1_000_000 }),
          concurrency: fc.integer({ min: 1, max: 8 }),
          targets: fc.integer({ min: 1, max: 3 }),
          rttMs: fc.integer({ min: 0, max: 20 }),
          outputTokens: fc.integer({ min: 1, max: 40 }),
          knee: fc.integer({ min: 1, max: 32 }),
          mode: fc.constantFrom<LoadCellMode>('auto', 'dsi'),
        }),
        (p) => {
          const oracle = agreementOracle({ acceptance: p.acceptance, seed: p.seed });
          const prompt = (id: number) => [1, 100 + id, p.seed % 1000];
          const s = loadCellScenario(
            cell(p.concurrency, p.mode, {
              targets: p.targets,
              rttMs: p.rttMs,
              outputTokens: p.outputTokens,
              promptTokens: 3,
              requests: 2 * p.concurrency,
              batchCost: { ...TARGET_70B_PROFILE, kneePositions: p.knee },
              seed: p.seed,
            }),
          );
          const records: RequestRecord[] = [];
          runScenario(s, { oracle, prompt, onRequest: (r) => records.push(r) });
          expect(records).toHaveLength(2 * p.concurrency);
          for (const r of records) {
            const ctx = [...prompt(r.id)];
            for (let i = 0; i < p.outputTokens; i++) ctx.push(oracle.target(Uint32Array.from(ctx)));
            expect(r.output).toEqual(ctx.slice(3));
          }
        },
      ),
      { numRuns: Number(process.env['SIM_PROPERTY_RUNS'] ?? 100) },
    );
  });
});
