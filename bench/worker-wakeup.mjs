#!/usr/bin/env node
/**
 * Round trip of a message to a worker thread and back, back to back and after the worker idled: the
 * price of waking an idle thread, which every hop of a speculation round pays (worker threads, the
 * NATS server, other role processes). The harness is @specmesh/lab's; `specmesh bench worker-wakeup`
 * runs the same. Usage: node bench/worker-wakeup.mjs
 */
import { formatWorkerWakeup, runWorkerWakeup } from '@specmesh/lab';

console.log(formatWorkerWakeup(await runWorkerWakeup()));
