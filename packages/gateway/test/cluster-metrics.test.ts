/** Merging the registries of many instances into one page that always parses. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { AggregatorRegistry, Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { mergeFamilies } from '../src/observability/cluster-metrics.js';

async function instance(role: string, id: string, n: number) {
  const r = new Registry();
  r.setDefaultLabels({ role, instance: id });
  new Counter({ name: 'c_total', help: 'c', labelNames: ['kind'], registers: [r] }).inc({ kind: 'x' }, n);
  return r.getMetricsAsJSON();
}

describe('mergeFamilies', () => {
  it('keeps each instance’s series apart under its labels', async () => {
    const merged = mergeFamilies([await instance('drafter', 'd0', 2), await instance('verifier', 'v0', 5)]);
    const text = await AggregatorRegistry.aggregate([merged]).metrics();
    const fam = parsePrometheusTextFormat(text).find((f) => f.name === 'c_total')!;
    expect(fam.metrics).toEqual([
      { labels: { kind: 'x', role: 'drafter', instance: 'd0' }, value: '2' },
      { labels: { kind: 'x', role: 'verifier', instance: 'v0' }, value: '5' },
    ]);
  });

  it('leaves out what cannot be merged, counts it, and the page still parses', async () => {
    const dropped: string[] = [];
    const conflicting = [
      {
        name: 'c_total',
        help: 'now a gauge',
        type: 'gauge',
        aggregator: 'sum',
        values: [{ value: 1, labels: { instance: 'new' } }],
      },
      { name: 'odd', help: 'a type from the future', type: 'stateset', aggregator: 'sum', values: [] },
      {
        name: 'g',
        help: 'non-finite values',
        type: 'gauge',
        aggregator: 'omit',
        values: [
          { value: Number.NaN, labels: { instance: 'a' } },
          { value: Number.POSITIVE_INFINITY, labels: { instance: 'b' } },
        ],
      },
    ] as unknown as Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
    const d0 = await instance('drafter', 'd0', 2);
    const merged = mergeFamilies([d0, conflicting, d0], (reason) => dropped.push(reason));
    expect(dropped.sort()).toEqual(['duplicate', 'type_conflict', 'unknown_type']);
    const text = await AggregatorRegistry.aggregate([merged]).metrics();
    const families = parsePrometheusTextFormat(text);
    expect(families.map((f) => f.name)).toEqual(['c_total', 'g']);
    expect(families[1]!.metrics.map((m) => (m as { value: string }).value)).toEqual(['Nan', '+Inf']);
  });
});
