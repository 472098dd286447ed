#!/usr/bin/env node
/**
 * Request/reply over the specmesh runtime vs a raw @nats-io client, same payloads, same server, one run.
 *
 * specmesh side: Actor.request(verify.task) → echo actor decodes + validates, replies verify.result →
 * requester decodes + validates. Raw side: nc.request with the same pre-encoded verify.task bytes, a
 * raw subscription answers with the same pre-encoded verify.result bytes (no codec at all).
 * Rounds alternate between the two so machine noise hits both alike.
 *
 * Usage: node bench/runtime-vs-raw.mjs [--requests 20000] [--rounds 10] [--json out.json]
 */
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { Codec } from '@specmesh/protocol';
import { sampleVerifyResult, sampleVerifyTask } from '@specmesh/protocol/internal';
import { Actor, serveEcho, startNatsServer } from '@specmesh/runtime';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const total = Number(arg('requests', '20000'));
const rounds = Number(arg('rounds', '10'));
const perRound = Math.max(1, Math.floor(total / rounds));
const warmup = 2000;

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const server = await startNatsServer();
try {
  const echo = await Actor.start({ role: 'echo', servers: server.url, heartbeatIntervalMs: 0 });
  const subject = serveEcho(echo);
  const client = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });

  const rawServer = await connect({ servers: server.url });
  const rawClient = await connect({ servers: server.url });
  const codec = new Codec({ from: 'bench' });
  const task = sampleVerifyTask(8, 8, 16);
  const taskBytes = codec.encode('verify.task', task);
  const resultBytes = codec.encode('verify.result', sampleVerifyResult());
  rawServer.subscribe('bench.raw.echo', { queue: 'echo', callback: (_err, msg) => msg.respond(resultBytes) });
  await rawServer.flush();

  const runtimeOnce = () => client.request(subject, 'verify.task', task, { expect: 'verify.result' });
  const rawOnce = () => rawClient.request('bench.raw.echo', taskBytes, { timeout: 5000 });

  for (let i = 0; i < warmup; i++) {
    await runtimeOnce();
    await rawOnce();
  }
  const samples = { runtime: [], raw: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, once] of r % 2 === 0
      ? [
          ['runtime', runtimeOnce],
          ['raw', rawOnce],
        ]
      : [
          ['raw', rawOnce],
          ['runtime', runtimeOnce],
        ]) {
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        await once();
        samples[name].push((performance.now() - t0) * 1000);
      }
    }
  }
  const report = {};
  for (const name of ['runtime', 'raw']) {
    const s = samples[name].sort((a, b) => a - b);
    report[name] = { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99) };
  }
  const ratio = { p50: report.runtime.p50 / report.raw.p50, p99: report.runtime.p99 / report.raw.p99 };
  console.log(
    `payload: verify.task ${taskBytes.byteLength} B (8 drafts, 8-entry sparse q, 16 context tokens), verify.result ${resultBytes.byteLength} B`,
  );
  console.log('             n      p50 µs   p90 µs   p99 µs');
  for (const name of ['runtime', 'raw']) {
    const r = report[name];
    console.log(
      `${name.padEnd(9)} ${String(r.n).padStart(6)} ${r.p50.toFixed(1).padStart(9)} ${r.p90.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}`,
    );
  }
  console.log(
    `ratio runtime/raw: p50 ${ratio.p50.toFixed(3)}  p99 ${ratio.p99.toFixed(3)}  (overhead p50 ${((ratio.p50 - 1) * 100).toFixed(1)}%)`,
  );
  const out = arg('json', undefined);
  if (out) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(out, `${JSON.stringify({ report, ratio, taskBytes: taskBytes.byteLength }, null, 2)}\n`);
  }
  await client.stop();
  await echo.stop();
  await rawClient.close();
  await rawServer.close();
} finally {
  await server.stop();
}
