/**
 * What the process cluster of `bench load` adds to the latencies its models are configured with,
 * measured on this machine one component at a time before a grid's cells run (Vidur-style profiling,
 * as `sim validate` does; never fitted to the figures the simulator is compared with), so the
 * simulator's prediction of a cell includes them:
 *
 * - **a broker hop**: half the round trip of a verify-sized request between two actors on the cloud
 *   server (encode, publish, route, decode, each way): the batcher's extra hop on its route;
 * - **the edge link**: half the round trip of the same request from an actor on the edge server
 *   (through the leaf link and the delay proxy) to the cloud, less one hop: a direct task crosses the
 *   link and one hop, as the simulator counts it;
 * - **a target step's overhead**: the wall time of a step through the target model's worker thread
 *   minus the pass it pays for (hand-off to the worker and back, timer lateness);
 * - **a drafted token's overhead**: the same for a window of drafts, per token.
 *
 * The verifier's own code around a step (context assembly, acceptance, signing: tens of µs in
 * `bench rounds`) and a session's orchestration are not probed.
 */
import { performance } from 'node:perf_hooks';
import { batchStepMs } from '@specmesh/core';
import type { PooledModel } from '@specmesh/models';
import { NoRespondersError } from '@specmesh/protocol';
import { sampleVerifyTask } from '@specmesh/protocol/internal';
import { Actor, createLogger, serveEcho } from '@specmesh/runtime';
import { emulatedWords } from '../emulated-words.js';
import { median } from '../median.js';
import { createModel } from '../model-args.js';
import { type LoadModels, loadModelArgs } from './load-options.js';

/**
 * Measured costs, ms: medians of the samples (the probes run while the role processes start up, whose
 * stalls land on a few samples).
 */
export interface LoadCosts {
  /** One broker hop on the cloud server. */
  readonly hopMs: number;
  /** The edge link one way, beside its hop. */
  readonly linkOneWayMs: number;
  /** A target step's time on its verifier's host beyond its pass. */
  readonly stepOverheadMs: number;
  /** A drafted token's time beyond the drafter's configured cost. */
  readonly draftTokenOverheadMs: number;
  readonly samples: number;
}

export interface LoadCostOptions {
  readonly cloudUrl: string;
  readonly edgeUrl: string;
  readonly prefix: string;
  readonly models: LoadModels;
  /** Prompt tokens of a session's first step. */
  readonly promptTokens: number;
  /** Draft window of a verify step. */
  readonly k: number;
  /** Samples of each cost. Defaults to 30. */
  readonly samples?: number;
}

/** Times `fn` once, ms. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Calls `fn` until it resolves, at most `withinMs`; its last failure past that. */
async function untilAnswered(fn: () => Promise<unknown>, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  for (let wait = 10; ; wait = Math.min(2 * wait, 500)) {
    try {
      await fn();
      return;
    } catch (err) {
      if (!(err instanceof NoRespondersError) || performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Measures the costs on the network of a started cluster (idle: before its cells run). */
export async function measureLoadCosts(o: LoadCostOptions): Promise<LoadCosts> {
  const samples = o.samples ?? 30;
  const logger = createLogger({ level: 'warn' });
  const opts = { subjects: { prefix: o.prefix }, heartbeatIntervalMs: 0, logger, role: 'gateway' as const };
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const open = async <T>(p: Promise<T>, close: (t: T) => Promise<void>): Promise<T> => {
      const t = await p;
      opened.push({ close: () => close(t) });
      return t;
    };
    const stopActor = (a: Actor) => a.stop();
    const closeModel = (m: PooledModel) => m.close();
    const echo = await open(Actor.start({ ...opts, servers: o.cloudUrl, role: 'echo' }), stopActor);
    const cloud = await open(Actor.start({ ...opts, servers: o.cloudUrl }), stopActor);
    const edge = await open(Actor.start({ ...opts, servers: o.edgeUrl }), stopActor);
    const args = loadModelArgs(o.models);
    const target = await open(createModel(args, 'target'), closeModel);
    const drafter = await open(createModel(args, 'drafter'), closeModel);
    const subject = serveEcho(echo, { service: 'load-costs' });
    await echo.flush();
    const task = sampleVerifyTask();
    const request = (a: Actor) =>
      a.request(subject, 'verify.task', task, { expect: 'verify.result', timeoutMs: 5000 });
    // The echo's interest crosses the leaf link a moment after it subscribes.
    await untilAnswered(() => request(edge), 10_000);
    const cost = o.models.batchCost;
    const hops: number[] = [];
    const edges: number[] = [];
    const steps: number[] = [];
    const drafts: number[] = [];
    // Round 0 warms the workers and connections (module load, JIT) outside the figures.
    for (let i = 0; i <= samples; i++) {
      const hop = (await timed(() => request(cloud))) / 2;
      const edgeOneWay = (await timed(() => request(edge))) / 2;
      const id = `c${i}`;
      // A session's first step (its prompt and a window), then a verify of k drafts on top of it.
      const ctx = emulatedWords(o.promptTokens + o.k, i);
      await target.predict(id, ctx, o.k + 1);
      const next = emulatedWords(ctx.length + o.k + 1, i);
      const verify = await timed(() => target.predict(id, next, o.k + 1));
      target.release(id);
      const dctx = emulatedWords(o.promptTokens, i);
      await drafter.generate(id, dctx, 1);
      const window = await timed(() => drafter.generate(id, dctx, o.k));
      drafter.release(id);
      if (i === 0) continue;
      hops.push(hop);
      edges.push(edgeOneWay);
      steps.push(verify - batchStepMs(cost, o.k + 1));
      drafts.push(window / o.k - o.models.drafterTpotMs);
    }
    const hopMs = median(hops);
    return {
      hopMs,
      linkOneWayMs: Math.max(0, median(edges) - hopMs),
      stepOverheadMs: Math.max(0, median(steps)),
      draftTokenOverheadMs: Math.max(0, median(drafts)),
      samples,
    };
  } finally {
    for (const x of opened.reverse()) await x.close().catch(() => {});
  }
}
