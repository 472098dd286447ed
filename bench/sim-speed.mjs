#!/usr/bin/env node
/**
 * Speed of the discrete-event simulator on the DSD setting scaled to 100 drafters, 20 targets and
 * 10,000 requests (packages/sim/scenarios/dsd-100x20-10k.yaml), or any scenario file, such as the scale
 * one (dsd-10kx1k-1m.yaml: 10,000 drafters, 1,000 targets, 1,000,000 requests). Prints wall and CPU
 * time, events/s, peak memory and the load average of each run, and the median of an odd number of
 * runs; a benchmark, not a test. The harness is @specmesh/lab's; `specmesh bench sim-speed` runs the
 * same. Usage: node bench/sim-speed.mjs [--runs 3] [--scenario file]
 */
import { formatSimSpeed, formatSimSpeedRun, runSimSpeed, SIM_SPEED_SCENARIO } from '@specmesh/lab';
import { loadScenario } from '@specmesh/sim';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const scenario = loadScenario(arg('scenario', SIM_SPEED_SCENARIO));
const report = runSimSpeed(scenario, Number(arg('runs', 3)), (run, i) =>
  console.log(formatSimSpeedRun(run, i)),
);
console.log(formatSimSpeed(report));
