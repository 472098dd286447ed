#!/usr/bin/env node
/**
 * non-SI, SI and DSI on a real cluster (scheduler, batcher, verifiers and a drafter as actors over a
 * real nats-server on loopback; emulated models with the latency profile of the DSI public tests,
 * model steps in piscina worker threads), measured in one run, each beside @specmesh/core's
 * virtual-time prediction for the same models and prompt (same tokens, same acceptance pattern).
 *
 * Usage: node bench/cluster-dsi.mjs [--repeats 3] [--tokens 50]
 */
import { performance } from 'node:perf_hooks';
import { Batcher, collect, Drafter, generate, Scheduler, Verifier } from '@specmesh/actors';
import { runVirtual } from '@specmesh/core';
import { EmulatedModel, oracleOf, PooledModel } from '@specmesh/models';
import { Actor, startNatsServer } from '@specmesh/runtime';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const repeats = arg('repeats', 3);
const tokens = arg('tokens', 50);
// The fixture of the DSI public tests.
const F = {
  draftTtft: 57.25,
  draftTpot: 3.34,
  targetTtft: 180.28,
  targetTpot: 100.18,
  a: 0.94,
  k: 5,
  targets: 4,
};
const seed = 11;
const targetOpts = { seed, latency: { ttftMs: F.targetTtft, tpotMs: F.targetTpot } };
const drafterOpts = { seed, agreement: F.a, latency: { ttftMs: F.draftTtft, tpotMs: F.draftTpot } };

const server = await startNatsServer();
const common = { servers: server.url, heartbeatIntervalMs: 100, logger: undefined };
const roles = [];
roles.push(await Scheduler.start(common));
roles.push(await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 }));
const models = [];
for (let i = 0; i < F.targets; i++) {
  const model = new PooledModel({ backend: 'emulated', options: targetOpts });
  models.push(model);
  roles.push(await Verifier.start({ ...common, id: `v${i}`, pool: 'p', model }));
}
const draftModel = new PooledModel({ backend: 'emulated', options: drafterOpts });
models.push(draftModel);
roles.push(await Drafter.start({ ...common, id: 'd0', model: draftModel }));
const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
await new Promise((r) => setTimeout(r, 600)); // membership settles

const localTarget = new EmulatedModel(targetOpts);
const localDrafter = new EmulatedModel(drafterOpts);
const rows = [];
for (const mode of ['nonsi', 'si', 'dsi']) {
  let wall = 0;
  let virtual = 0;
  for (let r = 0; r < repeats; r++) {
    const prompt = `benchmark prompt number ${r}`;
    const t0 = performance.now();
    const gen = await generate(client, {
      requestId: `b-${mode}-${r}`,
      prompt,
      maxTokens: tokens,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      mode,
      window: { policy: 'static', k: F.k },
      deadlineAt: Date.now() + 120_000,
    });
    const out = await collect(gen);
    wall += performance.now() - t0;
    const promptIds = [localTarget.info.bosId, ...localTarget.tokenize(prompt)];
    const v = runVirtual({
      mode,
      k: F.k,
      targets: F.targets,
      maxTokens: tokens,
      prompt: promptIds,
      eosId: localTarget.info.eosId,
      oracle: oracleOf(localTarget, localDrafter),
      drafter: { ttft: F.draftTtft, tpot: F.draftTpot },
      target: { ttft: F.targetTtft, tpot: F.targetTpot },
    });
    if (JSON.stringify(v.tokens) !== JSON.stringify(out.tokens))
      throw new Error(`${mode}: cluster and virtual outputs differ`);
    virtual += v.time;
  }
  rows.push({ mode, wall: wall / repeats, virtual: virtual / repeats });
}
console.log(
  `cluster vs virtual time, fixture of the DSI public tests (${tokens} tokens, ${F.targets} targets, a ${F.a}, k ${F.k}), mean of ${repeats}`,
);
console.log('mode     cluster ms   virtual ms   cluster/virtual   overhead ms/token');
for (const r of rows) {
  console.log(
    `${r.mode.padEnd(6)} ${r.wall.toFixed(1).padStart(12)} ${r.virtual.toFixed(1).padStart(12)} ${(r.wall / r.virtual).toFixed(3).padStart(17)} ${((r.wall - r.virtual) / tokens).toFixed(3).padStart(19)}`,
  );
}
const by = Object.fromEntries(rows.map((r) => [r.mode, r]));
console.log(
  `DSI/SI: cluster ${(by.si.wall / by.dsi.wall).toFixed(3)}, virtual ${(by.si.virtual / by.dsi.virtual).toFixed(3)}; DSI/non-SI: cluster ${(by.nonsi.wall / by.dsi.wall).toFixed(3)}, virtual ${(by.nonsi.virtual / by.dsi.virtual).toFixed(3)}`,
);
await client.stop();
for (const r of roles.reverse()) await r.stop();
for (const m of models) await m.close();
await server.stop();
