/**
 * `specmesh sim dsi --grid`: the DSI paper's offline grid (c, a, k with at most 7 targets) on the
 * simulator, written as CSV and as four heatmaps (SVG and PNG): SI/non-SI, DSI/SI, DSI/non-SI and
 * DSI/min(SI, non-SI), each algorithm at its best lookahead per (c, a) cell.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DSI_RATIOS,
  type DsiGridOptions,
  type DsiPointResult,
  dsiGridCsv,
  dsiGridPoints,
  heatmapCells,
  renderHeatmapSvg,
  runDsiOffline,
  svgToPng,
} from '@specmesh/sim';
import { createProgress } from './progress.js';

export interface DsiGridRun {
  readonly rows: DsiPointResult[];
  readonly files: string[];
}

export async function runDsiGridToFiles(options: DsiGridOptions, outDir: string): Promise<DsiGridRun> {
  const total = dsiGridPoints(options).length;
  const progress = createProgress('DSI grid', total);
  let rows: DsiPointResult[];
  try {
    rows = runDsiOffline(options, (_r, done) => progress.update(done));
  } finally {
    progress.stop();
  }
  mkdirSync(outDir, { recursive: true });
  const files = [join(outDir, 'dsi-grid.csv')];
  writeFileSync(files[0]!, dsiGridCsv(rows));
  for (const r of DSI_RATIOS) {
    const svg = await renderHeatmapSvg(heatmapCells(rows, r.id), r.title);
    const svgPath = join(outDir, `dsi-${r.file}.svg`);
    const pngPath = join(outDir, `dsi-${r.file}.png`);
    writeFileSync(svgPath, svg);
    writeFileSync(pngPath, svgToPng(svg));
    files.push(svgPath, pngPath);
  }
  return { rows, files };
}

/** Min, median and max of each ratio over the (c, a) cells, and where the extremes are. */
export function formatDsiGridSummary(
  rows: readonly DsiPointResult[],
  tokens: number,
  repeats: number,
): string {
  const lines = [
    `DSI offline grid on the simulator: ${rows.length} (c, a, k) points, ${tokens} tokens, ${repeats} seeds; best k per (c, a) cell`,
    '  ratio                     cells      min   median      max   cells < 1',
  ];
  for (const r of DSI_RATIOS) {
    const cells = heatmapCells(rows, r.id);
    const v = cells.map((c) => c.value).sort((a, b) => a - b);
    const below = v.filter((x) => x < 1 - 1e-9).length;
    lines.push(
      `  ${r.title.replace(' speedup', '').padEnd(24)}${String(cells.length).padStart(6)}${v[0]!.toFixed(3).padStart(9)}${v[Math.floor(v.length / 2)]!.toFixed(3).padStart(9)}${v[v.length - 1]!.toFixed(3).padStart(9)}${String(below).padStart(12)}`,
    );
  }
  return lines.join('\n');
}
