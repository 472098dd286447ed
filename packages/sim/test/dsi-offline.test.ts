import { agreementOracle, type OrchestrationMode, runVirtual } from '@specmesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DSI_GRID_A,
  DSI_GRID_C,
  dsiGridCsv,
  dsiGridPoints,
  dsiScenario,
  heatmapCells,
  renderHeatmapSvg,
  runDsiOffline,
  runScenario,
  svgToPng,
} from '../src/index.js';

describe('DSI offline simulation', () => {
  // The simulator drives core's Orchestrator through its own drafter, targets and routing; core's
  // runVirtual is the reference. Drafting c per token (first call apart), targets at 1 per forward
  // as in DSI's offline setting (a target's first call costs the same: the two differ on whether a
  // preempted first call leaves the target warm, which the DSI setting never asks). Values of c that
  // are not exact in binary matter: they put draft completions between verification results, where a
  // rejection must preempt the draft in progress.
  it("agrees with core's runVirtual on random configurations (non-SI, SI, DSI, SSD-DSI; 1 to 7 targets)", () => {
    const config = fc.record({
      mode: fc.constantFrom<OrchestrationMode>('nonsi', 'si', 'dsi'),
      c: fc.oneof(
        fc.constantFrom(0.05, 0.2, 0.4, 0.7, 0.75),
        fc.double({ min: 0.01, max: 1.5, noNaN: true }),
      ),
      firstDraft: fc.option(fc.double({ min: 0.01, max: 3, noNaN: true }), { nil: undefined }),
      forward: fc.oneof(fc.constant(1), fc.double({ min: 0.2, max: 3, noNaN: true })),
      a: fc.double({ min: 0.05, max: 0.99, noNaN: true }),
      k: fc.integer({ min: 1, max: 10 }),
      targets: fc.integer({ min: 1, max: 7 }),
      tokens: fc.integer({ min: 10, max: 120 }),
      seed: fc.integer({ min: 0, max: 1000 }),
      // Pre-drafting (SSD): 0 instances is plain DSI; runner-up hit shares drawn per run.
      predrafters: fc.integer({ min: 0, max: 4 }),
      alternatives: fc.integer({ min: 1, max: 3 }),
      runnerUpHits: fc.option(
        fc.array(fc.double({ min: 0, max: 0.5, noNaN: true }), { minLength: 1, maxLength: 3 }),
        {
          nil: undefined,
        },
      ),
    });
    type Config = typeof config extends fc.Arbitrary<infer T> ? T : never;
    const worstOnMain: Config = {
      mode: 'dsi',
      c: 0.7,
      firstDraft: undefined,
      forward: 1,
      a: 0.5,
      k: 1,
      targets: 2,
      tokens: 200,
      seed: 0,
      predrafters: 0,
      alternatives: 2,
      runnerUpHits: undefined,
    };
    const ssd: Config = { ...worstOnMain, c: 0.3, a: 0.7, targets: 4, predrafters: 2 };
    fc.assert(
      fc.property(config, (x) => {
        const oracle = () =>
          agreementOracle({
            acceptance: x.a,
            seed: 1000 + x.seed,
            ...(x.runnerUpHits ? { runnerUpHits: x.runnerUpHits } : {}),
          });
        const predraft =
          x.predrafters > 0 ? { drafters: x.predrafters, alternatives: x.alternatives } : undefined;
        const prompt = [1, 100 + x.seed];
        const draftTtft = x.firstDraft ?? x.c;
        const scenario = dsiScenario(
          { c: x.c, a: x.a, k: x.k, targets: x.targets },
          x.mode,
          x.tokens,
          predraft,
        );
        const sim = runScenario(
          {
            ...scenario,
            drafters: [{ ...scenario.drafters[0]!, latency: { ttftMs: draftTtft, tpotMs: x.c } }],
            targets: { count: x.targets, latency: { ttftMs: x.forward, tpotMs: x.forward } },
          },
          { oracle: oracle(), prompt },
        ).e2eMs.max;
        const core = runVirtual({
          mode: x.mode,
          k: x.k,
          targets: x.targets,
          maxTokens: x.tokens,
          prompt,
          oracle: oracle(),
          drafter: { ttft: draftTtft, tpot: x.c },
          target: { ttft: x.forward, tpot: x.forward },
          ...(predraft ? { predraft } : {}),
        }).time;
        expect(Math.abs(sim - core) / core).toBeLessThan(1e-9);
      }),
      { numRuns: 200, examples: [[worstOnMain], [ssd]] },
    );
  });

  it('refuses pre-drafting without a token oracle (its branches guess real tokens)', () => {
    const scenario = dsiScenario({ c: 0.3, a: 0.7, k: 1, targets: 4 }, 'dsi', 20, { drafters: 2 });
    expect(() => runScenario(scenario)).toThrow(/speculation.predraft needs a run with a token oracle/);
  });

  it('covers the reference grid and drops configurations needing more than 7 targets', () => {
    expect(DSI_GRID_C).toHaveLength(21);
    expect(DSI_GRID_A.at(-1)).toBe(0.99);
    const points = dsiGridPoints();
    expect(points.every((p) => p.targets >= 1 && p.targets <= 7)).toBe(true);
    expect(points.some((p) => p.c === 0.01 && p.k < 15)).toBe(false); // needs ceil(1/(0.01 k)) > 7
    expect(points.some((p) => p.c === 0.01 && p.k === 15)).toBe(true);
  });

  it('DSI is never slower than non-SI; heatmaps, CSV and plots come from the results (SSD-DSI too)', async () => {
    const rows = runDsiOffline({
      c: [0.05, 0.5],
      a: [0.3, 0.9],
      k: [1, 5],
      tokens: 100,
      repeats: 2,
      predrafters: 2,
    });
    expect(rows.length).toBe(6); // c = 0.05 with k = 1 needs 20 targets
    for (const r of rows) expect(r.dsi).toBeLessThanOrEqual(r.nonsi + 1e-9);
    const cells = heatmapCells(rows, 'dsi/si');
    expect(cells).toHaveLength(4);
    const ssd = heatmapCells(rows, 'ssd/dsi');
    expect(ssd).toHaveLength(4);
    for (const c of ssd) expect(c.value).toBeGreaterThan(0);
    // Pre-drafting ran, and its metrics were collected: rejections by slot, hits, drafter time.
    const p = rows.find((r) => r.c === 0.5 && r.a === 0.3)!.ssdPredraft!;
    expect(p.rejectionsBySlot.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(p.hitsBySlot.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(p.unusedMs).toBeLessThanOrEqual(p.busyMs);
    const csv = dsiGridCsv(rows).trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toContain('dsi_over_si');
    expect(csv[0]).toContain('ssd_over_dsi');
    const svg = await renderHeatmapSvg(cells, 'DSI / SI speedup');
    expect(svg).toContain('<svg');
    expect(svg).toContain('DSI / SI speedup');
    const png = svgToPng(svg);
    expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
  });
});
