#!/usr/bin/env node
/**
 * Speed of the discrete-event simulator on the DSD setting scaled to 100 drafters, 20 targets and
 * 10,000 requests (packages/sim/scenarios/dsd-100x20-10k.yaml). Prints wall time and events/s of each
 * run and the median; a benchmark, not a test. Usage: node bench/sim-speed.mjs [--runs 3] [--scenario file]
 */
import { performance } from 'node:perf_hooks';
import { loadScenario, runScenario } from '@specmesh/sim';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const file = arg('scenario', 'packages/sim/scenarios/dsd-100x20-10k.yaml');
const runs = Number(arg('runs', 3));
const scenario = loadScenario(file);
const walls = [];
let report;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  report = runScenario(scenario);
  const wall = performance.now() - t0;
  walls.push(wall);
  console.log(
    `run ${i + 1}: ${(wall / 1000).toFixed(2)} s wall, ${report.events} events, ${Math.round(report.events / (wall / 1000)).toLocaleString('en')} events/s, ${report.completed} requests, ${report.tokens} tokens`,
  );
}
walls.sort((a, b) => a - b);
const median = walls[Math.floor(walls.length / 2)];
console.log(
  `${scenario.name}: ${scenario.drafters.reduce((s, g) => s + g.count, 0)} drafters, ${scenario.targets.count} targets, ${scenario.workload.requests} requests; median ${(median / 1000).toFixed(2)} s, ${Math.round(report.events / (median / 1000)).toLocaleString('en')} events/s; ${(report.makespanMs / 1000).toFixed(1)} s of virtual time (${(report.makespanMs / median).toFixed(0)}x real time)`,
);
console.log(
  `metrics: throughput ${report.throughputTokPerSec.toFixed(0)} tok/s, TTFT mean ${report.ttftMs.mean.toFixed(1)} ms, TPOT mean ${report.tpotMs.mean.toFixed(2)} ms, acceptance ${report.acceptance.toFixed(3)}, target utilisation ${(report.targetUtilisation.mean * 100).toFixed(1)}%`,
);
