#!/usr/bin/env node
/**
 * DSI in virtual time: non-SI, SI and DSI on the reference grid points of the DSI paper's offline
 * simulation (time unit: one target forward = 1; drafter forward = c; i.i.d. acceptance a; lookahead
 * k; as many target servers as DSI needs, ceil(1 / (k c)), at most 7), and the online fixture
 * (latencies in ms from the public tests). Every figure comes from running @specmesh/core's
 * orchestration state machine; nothing is computed from closed-form formulas.
 *
 * Usage: node bench/dsi-sim.mjs [--tokens 1000] [--repeats 5]
 */
import { agreementOracle, runVirtual } from '@specmesh/core';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const S = arg('tokens', 1000);
const repeats = arg('repeats', 5);

function mean(mode, cfg) {
  let t = 0;
  for (let seed = 0; seed < repeats; seed++) {
    const r = runVirtual({
      mode,
      k: cfg.k,
      targets: cfg.targets,
      maxTokens: cfg.tokens,
      prompt: [1, 100 + seed],
      oracle: agreementOracle({ acceptance: cfg.a, seed: 1000 + seed }),
      drafter: cfg.drafter,
      target: cfg.target,
    });
    t += r.time;
  }
  return t / repeats;
}

const rows = [];
for (const c of [0.01, 0.05, 0.1, 0.2, 0.5, 1.0]) {
  for (const a of [0.5, 0.7, 0.9, 0.99]) {
    for (const k of [1, 5, 10]) {
      const targets = Math.ceil(1 / (k * c));
      if (targets > 7) continue; // the paper drops configurations needing more than 7 servers
      const cfg = {
        c,
        a,
        k,
        targets,
        tokens: S,
        drafter: { ttft: c, tpot: c },
        target: { ttft: 1, tpot: 1 },
      };
      const non = mean('nonsi', cfg);
      const si = mean('si', cfg);
      const dsi = mean('dsi', cfg);
      rows.push({ c, a, k, targets, non, si, dsi });
    }
  }
}

const fmt = (x, w = 8, d = 1) => x.toFixed(d).padStart(w);
console.log(`offline grid: ${S} tokens, ${repeats} seeds, time unit = one target forward`);
console.log('    c     a   k  tgt    non-SI        SI       DSI   SI/non  DSI/SI DSI/non DSI/min');
for (const r of rows) {
  console.log(
    `${fmt(r.c, 5, 2)} ${fmt(r.a, 5, 2)} ${String(r.k).padStart(3)} ${String(r.targets).padStart(4)} ${fmt(r.non, 9)} ${fmt(r.si, 9)} ${fmt(r.dsi, 9)} ${fmt(r.non / r.si, 8, 3)} ${fmt(r.si / r.dsi, 7, 3)} ${fmt(r.non / r.dsi, 7, 3)} ${fmt(Math.min(r.si, r.non) / r.dsi, 7, 3)}`,
  );
}
const vsSi = rows.map((r) => r.si / r.dsi);
const vsMin = rows.map((r) => Math.min(r.si, r.non) / r.dsi);
console.log(
  `DSI/SI over the grid: min ${Math.min(...vsSi).toFixed(3)}, max ${Math.max(...vsSi).toFixed(3)}; DSI/min(SI, non-SI): min ${Math.min(...vsMin).toFixed(3)}, max ${Math.max(...vsMin).toFixed(3)}`,
);

// Online fixture of the public tests: ms latencies, first call TTFT, later calls TPOT.
const fixture = {
  k: 5,
  targets: 4,
  a: 0.94,
  tokens: 50,
  drafter: { ttft: 57.25, tpot: 3.34 },
  target: { ttft: 180.28, tpot: 100.18 },
};
const fnon = mean('nonsi', fixture);
const fsi = mean('si', fixture);
const fdsi = mean('dsi', fixture);
console.log(
  '\nonline fixture (drafter 57.25/3.34 ms, target 180.28/100.18 ms, a 0.94, k 5, 4 targets, 50 tokens):',
);
console.log(`  non-SI ${fnon.toFixed(1)} ms  SI ${fsi.toFixed(1)} ms  DSI ${fdsi.toFixed(1)} ms`);
console.log(
  `  DSI/SI ${(fsi / fdsi).toFixed(3)}  DSI/non-SI ${(fnon / fdsi).toFixed(3)}  SI/non-SI ${(fnon / fsi).toFixed(3)}`,
);
