/**
 * Reduces DSI grid results to the four heatmaps of the DSI paper over (c, a): each algorithm at its
 * best lookahead `k` for that cell, then the speedups SI/non-SI = T(non-SI)/T(SI), DSI/SI =
 * T(SI)/T(DSI), DSI/non-SI = T(non-SI)/T(DSI) and DSI/min(SI, non-SI) = min(T(SI), T(non-SI))/T(DSI);
 * with SSD-DSI in the rows, a fifth: SSD-DSI/DSI = T(DSI)/T(SSD-DSI), each at its best k too.
 * Also writes the grid as CSV.
 */
import type { DsiPointResult } from './dsi-offline.js';

export type DsiRatio = 'si/nonsi' | 'dsi/si' | 'dsi/nonsi' | 'dsi/min' | 'ssd/dsi';

export const DSI_RATIOS: readonly { readonly id: DsiRatio; readonly title: string; readonly file: string }[] =
  [
    { id: 'si/nonsi', title: 'SI / non-SI speedup', file: 'si-vs-nonsi' },
    { id: 'dsi/si', title: 'DSI / SI speedup', file: 'dsi-vs-si' },
    { id: 'dsi/nonsi', title: 'DSI / non-SI speedup', file: 'dsi-vs-nonsi' },
    { id: 'dsi/min', title: 'DSI / min(SI, non-SI) speedup', file: 'dsi-vs-min' },
  ];

/** SSD-DSI's heatmap, when the grid ran it. */
export const SSD_RATIO = { id: 'ssd/dsi', title: 'SSD-DSI / DSI speedup', file: 'ssd-vs-dsi' } as const;

/** The ratios `rows` have: the four of DSI, and SSD-DSI's when every row has an SSD-DSI time. */
export function ratiosOf(
  rows: readonly DsiPointResult[],
): readonly { readonly id: DsiRatio; readonly title: string; readonly file: string }[] {
  return rows.length > 0 && rows.every((r) => r.ssd !== undefined) ? [...DSI_RATIOS, SSD_RATIO] : DSI_RATIOS;
}

export interface HeatmapCell {
  readonly c: number;
  readonly a: number;
  readonly value: number;
}

interface Best {
  nonsi: number;
  si: number;
  dsi: number;
  ssd?: number;
}

/** Best time per algorithm for each (c, a) over the lookaheads present in `rows`. */
function bestPerCell(rows: readonly DsiPointResult[]): Map<string, Best & { c: number; a: number }> {
  const cells = new Map<string, Best & { c: number; a: number }>();
  for (const r of rows) {
    const key = `${r.c}|${r.a}`;
    const b = cells.get(key);
    if (!b) cells.set(key, { c: r.c, a: r.a, nonsi: r.nonsi, si: r.si, dsi: r.dsi, ssd: r.ssd });
    else {
      b.nonsi = Math.min(b.nonsi, r.nonsi);
      b.si = Math.min(b.si, r.si);
      b.dsi = Math.min(b.dsi, r.dsi);
      if (r.ssd !== undefined) b.ssd = Math.min(b.ssd ?? Number.POSITIVE_INFINITY, r.ssd);
    }
  }
  return cells;
}

export function ratioOf(id: DsiRatio, b: Best): number {
  switch (id) {
    case 'si/nonsi':
      return b.nonsi / b.si;
    case 'dsi/si':
      return b.si / b.dsi;
    case 'dsi/nonsi':
      return b.nonsi / b.dsi;
    case 'dsi/min':
      return Math.min(b.si, b.nonsi) / b.dsi;
    case 'ssd/dsi':
      return b.ssd === undefined ? Number.NaN : b.dsi / b.ssd;
  }
}

export function heatmapCells(rows: readonly DsiPointResult[], id: DsiRatio): HeatmapCell[] {
  return [...bestPerCell(rows).values()].map((b) => ({ c: b.c, a: b.a, value: ratioOf(id, b) }));
}

/**
 * One line per grid point: c, a, k, targets, the times and the ratios at that k (SSD-DSI's time and
 * ratio last, when the grid ran it).
 */
export function dsiGridCsv(rows: readonly DsiPointResult[]): string {
  const ssd = ratiosOf(rows).length > DSI_RATIOS.length;
  const lines = [
    `c,a,k,targets,nonsi,si,dsi,si_over_nonsi,dsi_over_si,dsi_over_nonsi,dsi_over_min${ssd ? ',ssd,ssd_over_dsi' : ''}`,
  ];
  for (const r of rows) {
    const ratios = DSI_RATIOS.map((x) => ratioOf(x.id, r).toFixed(4));
    const extra = ssd ? [r.ssd!.toFixed(3), ratioOf('ssd/dsi', r).toFixed(4)] : [];
    lines.push(
      [
        r.c,
        r.a,
        r.k,
        r.targets,
        r.nonsi.toFixed(3),
        r.si.toFixed(3),
        r.dsi.toFixed(3),
        ...ratios,
        ...extra,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
