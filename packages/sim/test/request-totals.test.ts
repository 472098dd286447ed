import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, type RequestRecord, requestTotals, runScenario, summarize } from '../src/index.js';

const SCENARIO = fileURLToPath(new URL('../scenarios/dsd-100x20-10k.yaml', import.meta.url));

describe('a run keeps totals, not records', () => {
  it("the report's figures are those of the records its requests finished with", () => {
    const s = loadScenario(SCENARIO);
    // More requests than the totals' first capacity (1,024), so their columns grow.
    const scenario = { ...s, workload: { ...s.workload, requests: 1500 } };
    const records: RequestRecord[] = [];
    const report = runScenario(scenario, { onRequest: (r) => records.push(r) });
    expect(records).toHaveLength(1500);
    let tokens = 0;
    let tasks = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const r of records) {
      tokens += r.tokens;
      tasks += r.tasks;
      first = Math.min(first, r.arrivedAt);
      last = Math.max(last, r.lastTokenAt);
    }
    expect(report.completed).toBe(1500);
    expect(report.tokens).toBe(tokens);
    expect(report.makespanMs).toBe(last - first);
    expect(report.tokensPerTask).toBe(tokens / tasks);
    expect(report.ttftMs).toEqual(summarize(records.map((r) => r.firstTokenAt - r.arrivedAt)));
    expect(report.e2eMs).toEqual(summarize(records.map((r) => r.lastTokenAt - r.arrivedAt)));
    const tpot = records
      .filter((r) => r.tokens > 1)
      .map((r) => (r.lastTokenAt - r.firstTokenAt) / (r.tokens - 1));
    expect(report.tpotMs).toEqual(summarize(tpot));
    expect(Array.from(requestTotals(records).tpot)).toEqual(tpot);
  });
});
