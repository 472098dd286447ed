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
  return lines.join('\n');
}
