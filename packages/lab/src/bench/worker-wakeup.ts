/**
 * Round trip of a message to a worker thread and back, back to back and after the worker idled: the
 * price of waking an idle thread, which every hop of a speculation round pays (worker threads, the
 * NATS server, other role processes).
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface WakeupRow {
  /** How long the worker idled before each message, ms. */
  readonly idleMs: number;
  /** Mean round trip, µs. */
  readonly roundTripUs: number;
}

export const WAKEUP_IDLE_MS: readonly number[] = [0, 1, 5, 10];

/** `messages` round trips after each idle time of `idleMs`. */
export async function runWorkerWakeup(
  messages = 300,
  idleMs: readonly number[] = WAKEUP_IDLE_MS,
): Promise<WakeupRow[]> {
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (x) => parentPort.postMessage(x));",
    { eval: true },
  );
  const rows: WakeupRow[] = [];
  try {
    for (const idle of idleMs) {
      let total = 0;
      for (let i = 0; i < messages; i++) {
        if (idle) await new Promise((r) => setTimeout(r, idle));
        const t0 = performance.now();
        await new Promise((r) => {
          worker.once('message', r);
          worker.postMessage(i);
        });
        total += performance.now() - t0;
      }
      rows.push({ idleMs: idle, roundTripUs: (total / messages) * 1000 });
    }
  } finally {
    await worker.terminate();
  }
  return rows;
}

export function formatWorkerWakeup(rows: readonly WakeupRow[]): string {
  return rows
    .map(
      (r) =>
        `idle ${String(r.idleMs).padStart(2)} ms before each message: round trip ${r.roundTripUs.toFixed(0)} µs`,
    )
    .join('\n');
}
