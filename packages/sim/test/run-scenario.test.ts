import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import {
  createAcceptanceModel,
  expectedAccepted,
  loadScenario,
  parseScenario,
  type RequestRecord,
  runScenario,
  type Scenario,
} from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests break parsed JSON on purpose, field by field
type Json = any;

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/** The DSD scenario, small: 12 drafters, 3 targets, 150 requests. */
function small(over: Partial<Scenario> = {}): Scenario {
  const s = loadScenario(`${DIR}dsd-gsm8k.yaml`);
  return {
    ...s,
    drafters: [{ ...s.drafters[0]!, count: 12 }],
    targets: { ...s.targets, count: 3 },
    workload: { ...s.workload, requests: 150 },
    ...over,
  };
}

describe('runScenario', () => {
  it('conserves requests and jobs: every request arrives, is served and completes with all its tokens', () => {
    for (const mode of ['nonsi', 'si', 'dsi'] as const) {
      const s = small({ speculation: { ...small().speculation, mode } });
      const records: RequestRecord[] = [];
      const r = runScenario(s, { onRequest: (x) => records.push(x) });
      expect(r.arrived).toBe(150);
      expect(r.completed).toBe(150);
      expect(r.jobsLeft).toBe(0);
      expect(new Set(records.map((x) => x.id)).size).toBe(150);
      // Output lengths are drawn per request; every token of each was committed.
      expect(r.tokens).toBe(records.reduce((sum, x) => sum + x.tokens, 0));
      for (const x of records) {
        expect(x.firstTokenAt).toBeGreaterThan(x.arrivedAt);
        expect(x.lastTokenAt).toBeGreaterThanOrEqual(x.firstTokenAt);
      }
      // Each session's first job on its target is its prefill; every job ran or was cancelled.
      expect(r.prefills).toBeGreaterThanOrEqual(150);
      if (mode !== 'dsi') expect(r.cancelledJobs).toBe(0);
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = runScenario(small());
    const b = runScenario(small());
    expect(b).toEqual(a);
    const c = runScenario(small({ seed: 2 }));
    expect(c.tokens).not.toBe(a.tokens);
  });

  it('accepts what the acceptance model says: 0.93 * 0.97^pos over a window of 4', () => {
    const r = runScenario(small());
    const expected =
      expectedAccepted(createAcceptanceModel({ model: 'decaying', base: 0.93, decay: 0.97 }), 4) / 4;
    expect(expected).toBeCloseTo(0.78, 2);
    expect(Math.abs(r.acceptance - expected)).toBeLessThan(0.015);
  });

  it('M/D/1 sanity: the mean wait at one target matches Pollaczek-Khinchine within a few percent', () => {
    // Each request is one prefill job of 10 ms (non-SI, one token), Poisson arrivals at rho = 0.7.
    const service = 10;
    const rho = 0.7;
    const s: Scenario = {
      name: 'md1',
      seed: 5,
      drafters: [{ name: 'd', count: 1, oneWayMs: 0, latency: { ttftMs: 0, tpotMs: 0 }, slots: 1 }],
      targets: { count: 1, latency: { ttftMs: service, tpotMs: service } },
      speculation: { mode: 'nonsi', window: { policy: 'static', k: 1 }, acceptance: { model: 'iid', a: 0 } },
      workload: {
        requests: 60_000,
        arrival: { process: 'poisson', ratePerSec: (rho / service) * 1000 },
        promptTokens: { dist: 'fixed', value: 1 },
        outputTokens: { dist: 'fixed', value: 1 },
      },
    };
    const r = runScenario(s);
    const wait = r.ttftMs.mean - service;
    const theory = (rho * service) / (2 * (1 - rho)); // 11.67 ms
    expect(Math.abs(wait - theory) / theory).toBeLessThan(0.05);
    expect(Math.abs(r.targetUtilisation.mean - rho)).toBeLessThan(0.02);
  });

  it('charges the network per round: TPOT grows by about 2 x one-way / tokens per round', () => {
    const near = runScenario(small({ drafters: [{ ...small().drafters[0]!, oneWayMs: 1, jitter: 0 }] }));
    const far = runScenario(small({ drafters: [{ ...small().drafters[0]!, oneWayMs: 21, jitter: 0 }] }));
    const predicted = (2 * 20) / near.tokensPerTask;
    const grew = far.tpotMs.mean - near.tpotMs.mean;
    expect(grew).toBeGreaterThan(predicted * 0.85);
    expect(grew).toBeLessThan(predicted * 1.15);
  });

  it('DSI preempts dependent work on rejections and reports the wasted target time', () => {
    const s = loadScenario(`${DIR}dsi-single-node.yaml`);
    const dsi = runScenario(s);
    expect(dsi.cancelledJobs).toBeGreaterThan(0);
    expect(dsi.wastedTargetMs).toBeGreaterThan(0);
    expect(dsi.wastedShare).toBeGreaterThan(0);
    expect(dsi.wastedShare).toBeLessThan(1);
    const si = runScenario({ ...s, speculation: { ...s.speculation, mode: 'si' } });
    expect(si.wastedTargetMs).toBe(0);
    // Same tokens, less time: DSI beats SI at this fixture.
    expect(dsi.tokens).toBe(si.tokens);
    expect(dsi.e2eMs.mean).toBeLessThan(si.e2eMs.mean);
  });

  it('fused mode crosses the network once per token stream, not once per round', () => {
    const base = small().drafters[0]!;
    const fused = runScenario(
      small({ drafters: [{ ...base, oneWayMs: 30, jitter: 0, execution: 'fused' }] }),
    );
    const dist = runScenario(small({ drafters: [{ ...base, oneWayMs: 30, jitter: 0 }] }));
    expect(fused.tpotMs.mean).toBeLessThan(dist.tpotMs.mean);
    // Request up, first token down: TTFT pays the path twice.
    expect(fused.ttftMs.p50).toBeGreaterThan(60);
  });
});

describe('scenario files', () => {
  it('every shipped scenario validates and runs to completion', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const s = loadScenario(`${DIR}${f}`);
      expect(s.name.length).toBeGreaterThan(0);
      if (s.workload.requests <= 1000) expect(runScenario(s).completed).toBe(s.workload.requests);
    }
  });

  it('the DSD scenario has the reference topology', () => {
    const s = loadScenario(`${DIR}dsd-gsm8k.yaml`);
    expect(s.drafters[0]).toMatchObject({ count: 80, oneWayMs: [5, 11.5], jitter: 0.12 });
    expect(s.targets).toMatchObject({ count: 20, batching: { windowMs: 0.3, maxJobs: 12 } });
  });

  const bad = (mutate: (s: Json) => void) => {
    const s = JSON.parse(JSON.stringify(loadScenario(`${DIR}dsd-gsm8k.yaml`)));
    mutate(s);
    return () => parseScenario(JSON.stringify(s), 'bad.json');
  };

  it('rejects bad values with a ConfigError naming the field', () => {
    const cases: Array<[(s: Json) => void, RegExp]> = [
      [(s) => (s.targets.batching.maxJobs = 0), /bad\.json: targets\.batching\.maxJobs: /],
      [(s) => (s.drafters[0].jitter = 1.5), /drafters\.0\.jitter/],
      [(s) => (s.drafters[0].oneWayMs = [11.5, 5]), /drafters\.0\.oneWayMs: range \[11\.5, 5\] is reversed/],
      [(s) => (s.speculation.window.k = 0), /speculation\.window\.k/],
      [(s) => delete s.workload.requests, /workload\.requests.*missing/],
      [(s) => (s.targets.surprise = 1), /targets\.surprise/],
      [(s) => (s.workload.promptTokens = { dist: 'uniform', min: 9, max: 3 }), /workload\.promptTokens\.min/],
      [
        (s) => (s.workload.arrival = { process: 'trace', arrivalsMs: [0, 1] }),
        /workload\.arrival\.arrivalsMs: holds 2 arrivals/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const f = bad(mutate);
      expect(f).toThrow(ConfigError);
      expect(f).toThrow(message);
    }
    expect(() => parseScenario('name: [unclosed', 'x.yaml')).toThrow(/x\.yaml: not valid YAML/);
  });
});
