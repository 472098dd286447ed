/**
 * The AWC benchmark as a chart (vega-lite, rendered headless to SVG as the DSI heatmaps are): per
 * condition, each policy's throughput relative to that condition's best static window (the grid
 * line at 1 is the bar AWC has to clear).
 */
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { AwcBenchSummary } from './awc-bench-summary.js';

/** Policies drawn: AWC, the two adaptive baselines and the static windows that are ever best. */
export function awcBenchSpec(summary: AwcBenchSummary, title: string): TopLevelSpec {
  const everBest = new Set(summary.rows.map((r) => r.bestStatic));
  everBest.add(summary.bestSingleStatic);
  const policies = ['awc', 'backoff', 'threshold', ...[...everBest].sort()];
  const values = summary.rows.flatMap((r) =>
    policies
      .filter((p) => r.relative[p] !== undefined)
      .map((p) => ({
        condition: `RTT×${r.condition.rttScale} load×${r.condition.loadScale}`,
        policy: p,
        relative: r.relative[p]!,
      })),
  );
  const order = summary.rows.map((r) => `RTT×${r.condition.rttScale} load×${r.condition.loadScale}`);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    width: 90 * Math.max(1, order.length),
    height: 300,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'condition', type: 'nominal', sort: order, title: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'policy', type: 'nominal', sort: policies },
      y: {
        field: 'relative',
        type: 'quantitative',
        title: 'throughput / best static window of the condition',
        scale: { zero: false },
      },
      color: { field: 'policy', type: 'nominal', sort: policies, scale: { scheme: 'tableau10' } },
    },
  };
}

export async function renderAwcBenchSvg(summary: AwcBenchSummary, title: string): Promise<string> {
  const view = new View(parseVega(compile(awcBenchSpec(summary, title)).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
