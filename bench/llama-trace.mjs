#!/usr/bin/env node
/**
 * Where the time of a real-model generation goes, on the synthetic demo pair (made and cached like
 * `specmesh bench llama` does): a node-llama-cpp step's cost against the context length and its fixed
 * per-call cost, then one SI generation through a real cluster with the model calls timed, so the rest
 * (NATS hops, batcher, orchestration) shows as the difference.
 *
 * Usage: npm run build && SPECMESH_LOG_LEVEL=error node bench/llama-trace.mjs [--agreement 0.7] [--k 4]
 */
import { Batcher, collect, Drafter, generate, Scheduler, Verifier } from '@specmesh/actors';
import { ensureDemoPair } from '@specmesh/lab';
import { LlamaModel, PooledModel } from '@specmesh/models';
import { Actor, startNatsServer } from '@specmesh/runtime';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const agreement = arg('agreement', 0.7);
const k = arg('k', 4);
const pair = await ensureDemoPair(agreement, (l) => console.error(l));

// 1. A step's cost against the context it attends over (target), and a drafter step.
const target = await LlamaModel.load({ modelPath: pair.target });
const ctx = [1, 300];
console.log('target greedy step vs context length (threads 1):');
for (let phase = 0; phase < 6; phase++) {
  let t = 0;
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    ctx.push((await target.predict('s', Uint32Array.from(ctx), 1))[0]);
    t += performance.now() - t0;
  }
  console.log(
    `  context ${String(ctx.length - 40).padStart(3)}–${ctx.length}: ${(t / 40).toFixed(2)} ms/step`,
  );
}
await target.close();
const drafter = await LlamaModel.load({ modelPath: pair.drafter });
const dctx = [1, 300];
for (let i = 0; i < 5; i++) dctx.push((await drafter.predict('d', Uint32Array.from(dctx), 1))[0]);
let dt = 0;
for (let i = 0; i < 100; i++) {
  const t0 = performance.now();
  dctx.push((await drafter.predict('d', Uint32Array.from(dctx), 1))[0]);
  dt += performance.now() - t0;
}
console.log(`drafter greedy step (dim 128, 1 layer): ${(dt / 100).toFixed(2)} ms`);
await drafter.close();

// 2. One SI generation through a cluster, model calls timed where the roles make them.
const calls = new Map();
function timed(model, label) {
  return new Proxy(model, {
    get(t, p) {
      const v = t[p];
      if (typeof v !== 'function') return v;
      if (p !== 'predict' && p !== 'generate') return v.bind(t);
      return async (...a) => {
        const t0 = performance.now();
        try {
          return await v.apply(t, a);
        } finally {
          const key = `${label}.${p}`;
          const s = calls.get(key) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += performance.now() - t0;
          calls.set(key, s);
        }
      };
    },
  });
}
const server = await startNatsServer();
const common = { servers: server.url, heartbeatIntervalMs: 100 };
const tm = await PooledModel.open({ backend: 'llama', options: { modelPath: pair.target } });
const dm = await PooledModel.open({ backend: 'llama', options: { modelPath: pair.drafter } });
const roles = [
  await Scheduler.start(common),
  await Batcher.start({ ...common, pool: 'p' }),
  await Verifier.start({ ...common, id: 'v0', pool: 'p', model: timed(tm, 'verifier') }),
  await Drafter.start({ ...common, id: 'd0', model: timed(dm, 'drafter') }),
];
const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
await new Promise((r) => setTimeout(r, 800));
console.log(`\nSI through the cluster, agreement ${agreement}, k ${k}, 128 tokens:`);
for (let r = 0; r < 4; r++) {
  calls.clear();
  const t0 = performance.now();
  await collect(
    await generate(client, {
      requestId: `trace-${r}`,
      prompt: 'The cluster speaks',
      maxTokens: 128,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      mode: 'si',
      window: { policy: 'static', k },
      deadlineAt: Date.now() + 60_000,
    }),
  );
  const wall = performance.now() - t0;
  if (r === 0) continue; // warm-up
  const v = calls.get('verifier.predict');
  const d = calls.get('drafter.generate');
  const rest = wall - v.ms - d.ms;
  console.log(
    `  ${v.n} rounds in ${wall.toFixed(0)} ms: verify ${(v.ms / v.n).toFixed(2)} ms, draft ${(d.ms / d.n).toFixed(2)} ms, rest ${(rest / v.n).toFixed(2)} ms per round`,
  );
}
await client.stop();
for (const role of roles.reverse()) await role.stop();
await tm.close();
await dm.close();
await server.stop();
