import { fileURLToPath } from 'node:url';
import { AWC_FEATURES } from '@specmesh/core';
import { describe, expect, it } from 'vitest';
import {
  type AwcBenchCell,
  awcTrainingSet,
  formatAwcDataset,
  labelAwc,
  loadScenario,
  mergeAwcDatasets,
  parseAwcDataset,
  renderAwcBenchSvg,
  type Scenario,
  summarizeAwcBench,
} from '../src/index.js';

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
const dsd = (): Scenario => loadScenario(`${DIR}dsd-gsm8k.yaml`);

describe('AWC oracle labelling', () => {
  it('is reproducible for a seed, and differs with it', () => {
    const label = (seed: number) =>
      formatAwcDataset(
        labelAwc({ scenario: dsd(), samples: 24, conditions: [{ rttScale: 1, loadScale: 1 }], seed }),
      );
    const a = label(3);
    expect(label(3)).toBe(a);
    expect(label(4)).not.toBe(a);
  });

  it('labels rounds at the target (fused or plain) where no round should cross a slow network, and never where fused drafting is slow', () => {
    // One-way 100 to 230 ms: every distributed round pays a quarter of a second; fused rounds none.
    const far = labelAwc({
      scenario: dsd(),
      samples: 40,
      conditions: [{ rttScale: 20, loadScale: 0.6 }],
      seed: 1,
    });
    expect(far.samples).toHaveLength(40);
    // Near a request's end, one long distributed round can beat moving the session to the target.
    // Actions are [0, 1, 2, …]: 0 (a plain step) and 1 (fused) run at the target, no network per round.
    expect(far.header.actions.slice(0, 2)).toEqual([0, 1]);
    expect(far.samples.filter((s) => s.best.latency <= 1).length / 40).toBeGreaterThanOrEqual(0.85);
    expect(far.samples.filter((s) => s.best.throughput <= 1).length / 40).toBeGreaterThanOrEqual(0.85);
    // Typically running at the target at least halves the time per token.
    const gain = far.samples
      .map(
        (s) =>
          Math.min(...s.costs.latencyMsPerToken.subarray(2)) /
          Math.min(...s.costs.latencyMsPerToken.subarray(0, 2)),
      )
      .sort((a, b) => a - b);
    expect(gain[20]!).toBeGreaterThan(2);
    // A drafter beside the targets, and a server-side draft model three times slower than the edge one.
    const base = dsd();
    const near: Scenario = {
      ...base,
      drafters: [{ ...base.drafters[0]!, oneWayMs: 0.2, jitter: 0 }],
      targets: { ...base.targets, fusedDraftMs: 18 },
    };
    const d = labelAwc({
      scenario: near,
      samples: 40,
      conditions: [{ rttScale: 1, loadScale: 0.6 }],
      seed: 1,
    });
    // Beside the targets, distributed speculation beats both fused rounds and plain steps.
    expect(d.samples.filter((s) => s.best.latency <= 1)).toHaveLength(0);
    expect(d.samples.filter((s) => s.best.throughput <= 1)).toHaveLength(0);
  });

  it('keeps only points every replay met in the base run state, and records the features there', () => {
    const d = labelAwc({
      scenario: dsd(),
      samples: 60,
      conditions: [{ rttScale: 2, loadScale: 1.3 }],
      seed: 2,
    });
    const c = d.header.conditions[0]!;
    expect(c.samples).toBe(60);
    expect(c.points).toBeGreaterThanOrEqual(c.samples + c.disturbed);
    for (const s of d.samples) {
      expect(s.features).toHaveLength(AWC_FEATURES);
      // rtt_avg_norm: two one-way delays of 10 to 23 ms (±12%) over 30 ms.
      expect(s.features[3]!).toBeGreaterThan((2 * 10 * 0.88) / 30 - 1e-9);
      expect(s.features[3]!).toBeLessThan((2 * 23 * 1.12) / 30 + 1e-9);
      expect(d.header.actions).toContain(s.best.throughput);
    }
  });

  it('writes and reads the dataset format', () => {
    const d = labelAwc({
      scenario: dsd(),
      samples: 12,
      conditions: [{ rttScale: 1, loadScale: 1 }],
      seed: 5,
    });
    const back = parseAwcDataset(formatAwcDataset(d), 'mem');
    expect(back.header).toEqual(d.header);
    expect(back.samples).toHaveLength(12);
    back.samples.forEach((s, i) => {
      const o = d.samples[i]!;
      expect(s.best).toEqual(o.best);
      for (const [j, x] of s.features.entries()) expect(x).toBeCloseTo(o.features[j]!, 4);
      expect(Array.from(s.costs.sloMet)).toEqual(Array.from(o.costs.sloMet));
    });
    expect(() => parseAwcDataset('{"format":"other"}\n', 'x.jsonl')).toThrow(/x\.jsonl, line 1: format/);
    const lines = formatAwcDataset(d).split('\n');
    lines[2] = '{"c":0,"x":[1]}';
    expect(() => parseAwcDataset(lines.join('\n'), 'y.jsonl')).toThrow(/y\.jsonl, line 3: not a sample/);
  });

  it('records who paid for fused drafting, and merges only datasets that agree', () => {
    const d = labelAwc({ scenario: dsd(), samples: 4, conditions: [{ rttScale: 1, loadScale: 1 }], seed: 5 });
    // The AWC conditions charge fused drafting to the target unless the scenario says otherwise.
    expect(d.header.fusedDraftCost).toBe('target');
    expect(mergeAwcDatasets([d, d]).samples).toHaveLength(8);
    const { fusedDraftCost: _, ...old } = d.header; // a file from before the option: free
    expect(() => mergeAwcDatasets([d, { ...d, header: old }])).toThrow(/different fused drafting costs/);
  });

  it('trains on each sample’s best window when it is its own only neighbour', () => {
    const d = labelAwc({
      scenario: dsd(),
      samples: 20,
      conditions: [{ rttScale: 1, loadScale: 1 }],
      seed: 6,
    });
    const set = awcTrainingSet(d, { objective: 'latency', neighbours: 1 });
    expect(Array.from(set.targets)).toEqual(d.samples.map((s) => s.best.latency));
    for (const w of set.weights!) {
      expect(w).toBeGreaterThanOrEqual(0.05);
      expect(w).toBeLessThanOrEqual(1);
    }
  });
});

describe('AWC benchmark summary', () => {
  const cell = (rttScale: number, policy: string, throughputTokPerSec: number): AwcBenchCell => ({
    condition: { rttScale, loadScale: 1 },
    policy,
    throughputTokPerSec,
    tpotMs: 10,
    ttftMs: 100,
    e2eMs: 1000,
    windows: {},
  });

  it('compares AWC with each condition’s best static window and with the best single one', () => {
    const cells = [
      cell(1, 'static 1', 100),
      cell(1, 'static 4', 120),
      cell(1, 'awc', 126),
      cell(10, 'static 1', 200),
      cell(10, 'static 4', 100),
      cell(10, 'awc', 197),
    ];
    const s = summarizeAwcBench(cells);
    expect(s.rows.map((r) => r.bestStatic)).toEqual(['static 4', 'static 1']);
    expect(s.rows[0]!.relative.awc).toBeCloseTo(1.05, 12);
    // static 1: geometric mean of 100/120 and 1 beats static 4's 1 and 0.5.
    expect(s.bestSingleStatic).toBe('static 1');
    expect(s.awcVsBestSingleStatic).toBeCloseTo(Math.sqrt((126 / 100) * (197 / 200)) - 1, 12);
    expect(s.awcVsBestStaticWorst).toBeCloseTo(-0.015, 12);
    expect(s.meetsWorstCaseGoal).toBe(true);
    expect(s.meetsSweepGoal).toBe(true);
  });

  it('draws every condition with AWC and the static windows that were ever best', async () => {
    const svg = await renderAwcBenchSvg(
      summarizeAwcBench([cell(1, 'static 1', 100), cell(1, 'static 4', 120), cell(1, 'awc', 126)]),
      'test chart',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['test chart', 'RTT×1 load×1', 'awc', 'static 4']) expect(svg).toContain(text);
  });
});
