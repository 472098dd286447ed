#!/usr/bin/env node
/**
 * Speed of the discrete-event simulator on the DSD setting scaled to 100 drafters, 20 targets and
 * 10,000 requests (packages/sim/scenarios/dsd-100x20-10k.yaml), or with --scale the goal's size
 * (dsd-10kx1k-1m.yaml: 10,000 drafters, 1,000 targets, 1,000,000 requests), or any scenario file.
 * Each run is a fresh process; prints wall and CPU time, events/s, peak memory and the load average
 * of each run, and the median of an odd number of runs. --baseline <index.js of another build of
 * @specmesh/sim> runs that build interleaved with this one and says whether their reports are
 * identical. A benchmark, not a test. The harness is @specmesh/lab's; `specmesh bench sim-speed`
 * runs the same.
 *
 * Usage: node bench/sim-speed.mjs [--runs 3] [--scale | --scenario file] [--requests n]
 *          [--semi-space 64] [--baseline path/to/sim/dist/index.js]
 */
import { formatSimSpeed, formatSimSpeedRun, runSimSpeed, simSpeedScenario } from '@specmesh/lab';

if (process.argv.includes('--help')) {
  console.log(
    'node bench/sim-speed.mjs [--runs 3] [--scale | --scenario file] [--requests n] [--semi-space MiB] [--baseline sim/dist/index.js]',
  );
  process.exit(0);
}
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const requests = arg('requests');
const scenario = simSpeedScenario({
  file: arg('scenario'),
  scale: process.argv.includes('--scale'),
  ...(requests !== undefined ? { requests: Number(requests) } : {}),
});
const semiSpace = arg('semi-space');
const report = runSimSpeed(
  scenario,
  {
    runs: Number(arg('runs', 3)),
    ...(semiSpace !== undefined ? { semiSpaceMiB: Number(semiSpace) } : {}),
    ...(arg('baseline') ? { baseline: arg('baseline') } : {}),
  },
  (run, i) => console.log(formatSimSpeedRun(run, i)),
);
console.log(formatSimSpeed(report));
