import { agreementOracle, type OrchestrationMode, runVirtual } from '@specmesh/core';
import { describe, expect, it } from 'vitest';
import {
  DSI_GRID_A,
  DSI_GRID_C,
  dsiGridCsv,
  dsiGridPoints,
  dsiTime,
  heatmapCells,
  renderHeatmapSvg,
  runDsiOffline,
  svgToPng,
} from '../src/index.js';

describe('DSI offline simulation', () => {
  it("agrees with core's runVirtual for the same configurations", () => {
    const points = [
      { c: 0.1, a: 0.9, k: 5, targets: 2 },
      { c: 0.05, a: 0.5, k: 10, targets: 2 },
      { c: 0.2, a: 0.7, k: 1, targets: 5 },
      { c: 0.01, a: 0.99, k: 15, targets: 7 },
      { c: 0.5, a: 0.3, k: 3, targets: 1 },
    ];
    for (const p of points)
      for (const mode of ['nonsi', 'si', 'dsi'] as OrchestrationMode[])
        for (const seed of [0, 1]) {
          const sim = dsiTime(p, mode, 200, seed);
          const core = runVirtual({
            mode,
            k: p.k,
            targets: p.targets,
            maxTokens: 200,
            prompt: [1, 100 + seed],
            oracle: agreementOracle({ acceptance: p.a, seed: 1000 + seed }),
            drafter: { ttft: p.c, tpot: p.c },
            target: { ttft: 1, tpot: 1 },
          }).time;
          expect(Math.abs(sim - core) / core).toBeLessThan(1e-9);
        }
  });

  it('covers the reference grid and drops configurations needing more than 7 targets', () => {
    expect(DSI_GRID_C).toHaveLength(21);
    expect(DSI_GRID_A.at(-1)).toBe(0.99);
    const points = dsiGridPoints();
    expect(points.every((p) => p.targets >= 1 && p.targets <= 7)).toBe(true);
    expect(points.some((p) => p.c === 0.01 && p.k < 15)).toBe(false); // needs ceil(1/(0.01 k)) > 7
    expect(points.some((p) => p.c === 0.01 && p.k === 15)).toBe(true);
  });

  it('DSI is never slower than non-SI; heatmaps, CSV and plots come from the results', async () => {
    const rows = runDsiOffline({ c: [0.05, 0.5], a: [0.3, 0.9], k: [1, 5], tokens: 100, repeats: 2 });
    expect(rows.length).toBe(6); // c = 0.05 with k = 1 needs 20 targets
    for (const r of rows) expect(r.dsi).toBeLessThanOrEqual(r.nonsi + 1e-9);
    const cells = heatmapCells(rows, 'dsi/si');
    expect(cells).toHaveLength(4);
    const csv = dsiGridCsv(rows).trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toContain('dsi_over_si');
    const svg = await renderHeatmapSvg(cells, 'DSI / SI speedup');
    expect(svg).toContain('<svg');
    expect(svg).toContain('DSI / SI speedup');
    const png = svgToPng(svg);
    expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
  });
});
