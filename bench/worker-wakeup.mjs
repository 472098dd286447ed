#!/usr/bin/env node
/**
 * Round trip of a message to a worker thread and back, back to back and after the worker idled: the
 * price of waking an idle thread, which every hop of a speculation round pays (worker threads, the
 * NATS server, other role processes). Usage: node bench/worker-wakeup.mjs
 */
import { Worker } from 'node:worker_threads';

const worker = new Worker(
  "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (x) => parentPort.postMessage(x));",
  { eval: true },
);
const N = 300;
for (const idleMs of [0, 1, 5, 10]) {
  let total = 0;
  for (let i = 0; i < N; i++) {
    if (idleMs) await new Promise((r) => setTimeout(r, idleMs));
    const t0 = performance.now();
    await new Promise((r) => {
      worker.once('message', r);
      worker.postMessage(i);
    });
    total += performance.now() - t0;
  }
  console.log(
    `idle ${String(idleMs).padStart(2)} ms before each message: round trip ${((total / N) * 1000).toFixed(0)} µs`,
  );
}
await worker.terminate();
