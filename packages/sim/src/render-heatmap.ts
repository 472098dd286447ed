/**
 * Renders a (c, a) heatmap with vega-lite, headless: vega-lite compiles the chart to a vega spec, a
 * vega `View` without a renderer produces SVG, and resvg rasterises the SVG to PNG. The colour scale
 * diverges at 1 (no speedup) so slowdowns and speedups read apart at a glance.
 */
import { Resvg } from '@resvg/resvg-js';
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { HeatmapCell } from './dsi-heatmaps.js';

export function heatmapSpec(cells: readonly HeatmapCell[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    data: { values: cells.map((x) => ({ ...x, label: x.value.toFixed(2) })) },
    width: 520,
    height: 440,
    encoding: {
      x: { field: 'c', type: 'ordinal', title: 'c (drafter forward / target forward)', sort: 'ascending' },
      y: { field: 'a', type: 'ordinal', title: 'a (acceptance rate)', sort: 'descending' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            title: 'speedup',
            scale: { type: 'log', scheme: 'redblue', domainMid: 1 },
            legend: { format: '.2f' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 7 },
        encoding: { text: { field: 'label', type: 'nominal' } },
      },
    ],
  };
}

export async function renderHeatmapSvg(cells: readonly HeatmapCell[], title: string): Promise<string> {
  const vg = compile(heatmapSpec(cells, title)).spec;
  const view = new View(parseVega(vg), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } })
    .render()
    .asPng();
}
