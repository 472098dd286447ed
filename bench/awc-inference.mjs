#!/usr/bin/env node
/**
 * Cost of one AWC decision (features → WC-DNN → post-processing) with a 16-unit, 2-block network of
 * random weights (the cost does not depend on their values). Usage: node bench/awc-inference.mjs
 */
import { AWC_FEATURES, createAwcPolicy, Rng } from '@specmesh/core';

const H = 16;
const rng = new Rng(7);
const rand = (n) => Array.from({ length: n }, () => (rng.float() - 0.5) * 0.5);
const weights = {
  version: 1,
  inputs: AWC_FEATURES,
  hidden: H,
  inW: rand(H * AWC_FEATURES),
  inB: rand(H),
  blocks: [
    { w: rand(H * H), b: rand(H) },
    { w: rand(H * H), b: rand(H) },
  ],
  outW: rand(H),
  outB: 0,
};
const policy = createAwcPolicy({ weights });
const features = {
  acceptance: 0.8,
  lastAcceptance: 0.75,
  lastWindow: 4,
  queueUtil: 0.5,
  rttMs: 10,
  tpotMs: 15,
  contextTokens: 300,
};
let sink = 0;
for (let i = 0; i < 100_000; i++) sink += policy.nextWindow({ ...features, rttMs: 10 + (i % 7) });
const N = 1_000_000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) sink += policy.nextWindow({ ...features, rttMs: 10 + (i % 7) });
const ns = Number(process.hrtime.bigint() - t0) / N;
console.log(
  `AWC decision (hidden ${H}, 2 residual blocks): ${(ns / 1000).toFixed(3)} µs (${N} decisions; checksum ${sink})`,
);
