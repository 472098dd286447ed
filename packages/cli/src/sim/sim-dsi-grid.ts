/**
 * `specmesh sim dsi --grid`: the DSI paper's offline grid (c, a, k with at most 7 targets) on the
 * simulator, written as CSV and as four heatmaps (SVG and PNG): SI/non-SI, DSI/SI, DSI/non-SI and
 * DSI/min(SI, non-SI), each algorithm at its best lookahead per (c, a) cell; with pre-draft drafters
 * (`predrafters` > 0) a fifth, SSD-DSI/DSI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DsiGridOptions,
  type DsiPointResult,
  dsiGridCsv,
  dsiGridPoints,
  heatmapCells,
  ratiosOf,
  renderHeatmapSvg,
  runDsiOffline,
  svgToPng,
} from '@specmesh/sim';
import { createProgress, type ProgressOptions } from '../progress.js';

export interface DsiGridRun {
  readonly rows: DsiPointResult[];
  readonly files: string[];
}

export async function runDsiGridToFiles(
  options: DsiGridOptions,
  outDir: string,
  progressOptions: ProgressOptions = {},
): Promise<DsiGridRun> {
  const total = dsiGridPoints(options).length;
  const progress = createProgress('DSI grid', total, progressOptions);
  let rows: DsiPointResult[];
  try {
    rows = runDsiOffline(options, (_r, done) => progress.update(done));
  } finally {
    progress.stop();
  }
  mkdirSync(outDir, { recursive: true });
  const files = [join(outDir, 'dsi-grid.csv')];
  writeFileSync(files[0]!, dsiGridCsv(rows));
  for (const r of ratiosOf(rows)) {
    const svg = await renderHeatmapSvg(heatmapCells(rows, r.id), r.title);
    const svgPath = join(outDir, `dsi-${r.file}.svg`);
    const pngPath = join(outDir, `dsi-${r.file}.png`);
    writeFileSync(svgPath, svg);
    writeFileSync(pngPath, svgToPng(svg));
    files.push(svgPath, pngPath);
  }
  return { rows, files };
}

/** One ratio of the grid summarised over its (c, a) cells (each at its best k). */
export interface DsiRatioSummary {
  readonly ratio: string;
  readonly title: string;
  readonly cells: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** Cells where the ratio is below 1 (the numerator slower). */
  readonly below1: number;
}

/** Min, median and max of each ratio over the (c, a) cells. */
export function summarizeDsiGrid(rows: readonly DsiPointResult[]): DsiRatioSummary[] {
  return ratiosOf(rows).map((r) => {
    const cells = heatmapCells(rows, r.id);
    const v = cells.map((c) => c.value).sort((a, b) => a - b);
    return {
      ratio: r.id,
      title: r.title,
      cells: cells.length,
      min: v[0]!,
      median: v[Math.floor(v.length / 2)]!,
      max: v[v.length - 1]!,
      below1: v.filter((x) => x < 1 - 1e-9).length,
    };
  });
}

/** SSD-DSI's pre-drafting over every point of the grid: hit rate by rejected slot, unused time. */
export interface PredraftSummary {
  readonly rejectionsBySlot: number[];
  readonly hitRateBySlot: number[];
  /** Pre-drafter time spent on branches never used, as a share of all pre-drafter time. */
  readonly unusedShare: number;
}

export function summarizePredraft(rows: readonly DsiPointResult[]): PredraftSummary | undefined {
  if (!rows.some((r) => r.ssdPredraft)) return undefined;
  const rejections: number[] = [];
  const hits: number[] = [];
  let busy = 0;
  let unused = 0;
  for (const r of rows) {
    const p = r.ssdPredraft;
    if (!p) continue;
    p.rejectionsBySlot.forEach((n, i) => {
      rejections[i] = (rejections[i] ?? 0) + n;
      hits[i] = (hits[i] ?? 0) + (p.hitsBySlot[i] ?? 0);
    });
    busy += p.busyMs;
    unused += p.unusedMs;
  }
  return {
    rejectionsBySlot: rejections,
    hitRateBySlot: rejections.map((n, i) => (n > 0 ? (hits[i] ?? 0) / n : 0)),
    unusedShare: busy > 0 ? unused / busy : 0,
  };
}

/**
 * SSD-DSI / DSI over the cells where drafting is slow enough for DSI's restart to cost (c >= 0.3,
 * 0.5 <= a <= 0.95), beside the drafting floor there: DSI's time over `tokens · c`, the most any
 * pre-drafting with drafters of DSI's speed can gain (every position still takes one drafter forward
 * in sequence, the main drafter's or a branch's).
 */
export interface SsdRegionSummary {
  readonly cells: number;
  readonly median: number;
  readonly min: number;
  readonly floorMedian: number;
}

export function summarizeSsdRegion(
  rows: readonly DsiPointResult[],
  tokens: number,
): SsdRegionSummary | undefined {
  const inRegion = (c: number, a: number) => c >= 0.3 - 1e-9 && a >= 0.5 - 1e-9 && a <= 0.95 + 1e-9;
  const ssd = heatmapCells(rows, 'ssd/dsi').filter((x) => inRegion(x.c, x.a) && Number.isFinite(x.value));
  if (ssd.length === 0) return undefined;
  const dsi = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.c}|${r.a}`;
    dsi.set(key, Math.min(dsi.get(key) ?? Number.POSITIVE_INFINITY, r.dsi));
  }
  const median = (v: number[]) => v.sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
  const values = ssd.map((x) => x.value);
  return {
    cells: ssd.length,
    median: median([...values]),
    min: Math.min(...values),
    floorMedian: median(ssd.map((x) => dsi.get(`${x.c}|${x.a}`)! / (tokens * x.c))),
  };
}

/** The summary as `sim dsi --grid` prints it. */
export function formatDsiGridSummary(
  rows: readonly DsiPointResult[],
  tokens: number,
  repeats: number,
): string {
  const lines = [
    `DSI offline grid on the simulator: ${rows.length} (c, a, k) points, ${tokens} tokens, ${repeats} seeds; best k per (c, a) cell`,
    '  ratio                     cells      min   median      max   cells < 1',
  ];
  for (const s of summarizeDsiGrid(rows)) {
    lines.push(
      `  ${s.title.replace(' speedup', '').padEnd(24)}${String(s.cells).padStart(6)}${s.min.toFixed(3).padStart(9)}${s.median.toFixed(3).padStart(9)}${s.max.toFixed(3).padStart(9)}${String(s.below1).padStart(12)}`,
    );
  }
  const p = summarizePredraft(rows);
  if (p) {
    const slots = p.hitRateBySlot
      .slice(0, 6)
      .map((h, i) => `${i}: ${(100 * h).toFixed(0)}% of ${p.rejectionsBySlot[i]}`)
      .join(', ');
    lines.push(
      `SSD-DSI pre-drafts, all points: hit rate by rejected slot ${slots}`,
      `  pre-drafter time on branches never used: ${(100 * p.unusedShare).toFixed(1)}%`,
    );
  }
  const region = summarizeSsdRegion(rows, tokens);
  if (region) {
    lines.push(
      `SSD-DSI / DSI over c >= 0.3, a 0.5-0.95 (${region.cells} cells): median ${region.median.toFixed(3)}, min ${region.min.toFixed(3)}; drafting floor there (DSI time / (tokens c)): median ${region.floorMedian.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}
