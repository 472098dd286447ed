/**
 * Measures, on this machine, the costs the emulated cluster adds to its configured latencies, so the
 * simulator can be given them (Vidur-style profiling: components measured alone, never fitted to the
 * end-to-end figures being validated):
 *
 * - a target call's overhead: wall time of a `predict` through the model's worker thread minus the
 *   emulated cost (worker message round trip plus timer lateness: a 20 ms sleep takes 20-21 ms);
 * - a drafted token's overhead: the same for a `generate` of k tokens, per token;
 * - a broker hop: half the round trip of a real `verify.task` request between two actors over
 *   nats-server (encode, publish, route, decode, each way);
 * - the proxy's one-way delay: half the extra round trip of the same request when the requester
 *   connects through a delay proxy (the configured delay plus its timer lateness).
 */
import { performance } from 'node:perf_hooks';
import { type ModelSpec, PooledModel } from '@specmesh/models';
import { sampleVerifyTask } from '@specmesh/protocol/internal';
import { Actor, createLogger, DelayProxy, serveEcho } from '@specmesh/runtime';
import { emulatedWords } from '../emulated-words.js';
import type { ValidateProfile } from './measured-costs.js';
import type { ValidatePlan } from './validate-plan.js';

export type { ValidateProfile } from './measured-costs.js';

export interface ProfileOptions {
  /** nats-server to measure hops on. */
  readonly natsUrl: string;
  readonly natsPort: number;
  readonly prefix: string;
  readonly target: ModelSpec;
  readonly drafter: ModelSpec;
  /** Calls per measurement. Defaults to 30. */
  readonly samples?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/**
 * The probes, opened once: a target and a drafter model in their own workers, an echo actor, and a
 * requester directly on nats-server and another through a delay proxy. Each `round()` takes one
 * sample of every cost, so the same probes measure an idle machine or one under the cluster's load.
 */
export class CostProber {
  private readonly target: number[] = [];
  private readonly draft: number[] = [];
  private readonly direct: number[] = [];
  private readonly proxied: number[] = [];
  private rounds = 0;

  private constructor(
    private readonly plan: ValidatePlan,
    private readonly targetModel: PooledModel,
    private readonly drafterModel: PooledModel,
    private readonly actors: { echo: Actor; near: Actor; far: Actor; subject: string },
    private readonly proxy: DelayProxy,
  ) {}

  static async open(o: ProfileOptions, plan: ValidatePlan): Promise<CostProber> {
    const logger = createLogger({ level: 'warn' });
    const opts = { subjects: { prefix: o.prefix }, heartbeatIntervalMs: 0, logger };
    const proxy = await DelayProxy.start({
      targetPort: o.natsPort,
      oneWayMs: plan.oneWayMs,
      jitter: plan.jitter,
    });
    const parts = await Promise.allSettled([
      PooledModel.open(o.target, { threads: 1 }),
      PooledModel.open(o.drafter, { threads: 1 }),
      Actor.start({ ...opts, servers: [o.natsUrl], role: 'echo' }),
      Actor.start({ ...opts, servers: [o.natsUrl], role: 'gateway' }),
      Actor.start({ ...opts, servers: [proxy.url], role: 'gateway' }),
    ] as const);
    const failed = parts.find((p) => p.status === 'rejected');
    if (failed) {
      // Free whatever did start before reporting the failure.
      for (const p of parts) {
        if (p.status !== 'fulfilled') continue;
        const part = p.value;
        await (part instanceof PooledModel ? part.close() : part.stop()).catch(() => {});
      }
      await proxy.stop();
      throw (failed as PromiseRejectedResult).reason;
    }
    const [targetModel, drafterModel, echo, near, far] = parts.map(
      (p) => (p as PromiseFulfilledResult<unknown>).value,
    ) as [PooledModel, PooledModel, Actor, Actor, Actor];
    const subject = serveEcho(echo, { service: 'profile' });
    await echo.flush();
    const p = new CostProber(plan, targetModel, drafterModel, { echo, near, far, subject }, proxy);
    // Warm the workers and connections (module load, JIT) outside the figures.
    await p.round();
    p.reset();
    return p;
  }

  private reset() {
    for (const xs of [this.target, this.draft, this.direct, this.proxied]) xs.length = 0;
    this.rounds = 0;
  }

  /** One sample of each cost. */
  async round(): Promise<void> {
    const { plan } = this;
    const { ttftMs, tpotMs, perTokenMs } = plan.target;
    const id = `p${this.rounds++}`;
    // A session's prefill, then a verify of the correction and k drafts, as in a real round.
    let ctx = emulatedWords(plan.promptTokens + plan.k, this.rounds);
    let t0 = performance.now();
    await this.targetModel.predict(id, ctx, plan.k + 1);
    this.target.push(performance.now() - t0 - (ttftMs + perTokenMs * (ctx.length - 1)));
    ctx = emulatedWords(ctx.length + plan.k + 1, this.rounds);
    t0 = performance.now();
    await this.targetModel.predict(id, ctx, plan.k + 1);
    this.target.push(performance.now() - t0 - (tpotMs + perTokenMs * plan.k));
    this.targetModel.release(id);
    // A later window of a session: every drafted token costs tpotMs (the correction replaces the tail).
    const dctx = emulatedWords(plan.promptTokens, this.rounds);
    await this.drafterModel.generate(id, dctx, 1);
    t0 = performance.now();
    await this.drafterModel.generate(id, dctx, plan.k);
    this.draft.push((performance.now() - t0) / plan.k - plan.drafter.tpotMs);
    this.drafterModel.release(id);
    const task = sampleVerifyTask();
    const { near, far, subject } = this.actors;
    for (const [actor, into] of [
      [near, this.direct],
      [far, this.proxied],
    ] as const) {
      t0 = performance.now();
      await actor.request(subject, 'verify.task', task, { expect: 'verify.result', timeoutMs: 5000 });
      into.push(performance.now() - t0);
    }
  }

  /** Means of the samples so far. */
  summary(): ValidateProfile {
    const direct = mean(this.direct);
    return {
      targetCallOverheadMs: mean(this.target),
      draftTokenOverheadMs: mean(this.draft),
      // A request and its reply cross two hops.
      hopMs: direct / 2,
      // The proxy adds a fixed delay to every sample, and a busy machine's scheduling stalls only
      // ever add to a sample: the difference of the fastest samples measures the delay, where a
      // difference of medians moved by a stall's length whenever stalls hit one side's middle.
      proxyOneWayMs: (Math.min(...this.proxied) - Math.min(...this.direct)) / 2,
      samples: this.direct.length,
    };
  }

  async close(): Promise<void> {
    const { echo, near, far } = this.actors;
    for (const a of [far, near, echo]) await a.stop();
    await this.proxy.stop();
    await this.targetModel.close();
    await this.drafterModel.close();
  }
}

/** Measures on an idle machine: `samples` rounds of every probe. Takes a few seconds. */
export async function profileCosts(o: ProfileOptions, plan: ValidatePlan): Promise<ValidateProfile> {
  const prober = await CostProber.open(o, plan);
  try {
    for (let i = 0; i < (o.samples ?? 30); i++) await prober.round();
    return prober.summary();
  } finally {
    await prober.close();
  }
}

/**
 * Measures while the cluster works: rounds back to back (a short pause between them) until `stop()`,
 * which returns the means. The probes add about one light session's worth of load.
 */
export async function probeUnderLoad(
  o: ProfileOptions,
  plan: ValidatePlan,
): Promise<{ stop(): Promise<ValidateProfile> }> {
  const prober = await CostProber.open(o, plan);
  let running = true;
  // A probe failing under load (e.g. a request deadline) ends the loop and surfaces from stop(),
  // never as an unhandled rejection while the measured run goes on.
  let failure: unknown;
  const loop = (async () => {
    while (running) {
      await prober.round();
      await new Promise((r) => setTimeout(r, 20));
    }
  })().catch((err: unknown) => {
    failure = err;
  });
  return {
    async stop() {
      running = false;
      await loop;
      try {
        if (failure !== undefined) throw failure;
        return prober.summary();
      } finally {
        await prober.close();
      }
    },
  };
}
