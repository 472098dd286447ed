/**
 * An in-process cluster for benchmarks: a nats-server of its own, a scheduler, a batcher, `verifiers`
 * verifiers and one drafter as actors in this process, their model steps in piscina worker threads.
 * Every message still crosses the real nats-server, so the figures include every network hop.
 */
import { performance } from 'node:perf_hooks';
import {
  Batcher,
  collect,
  combinePredraftTotals,
  Drafter,
  generate,
  type PredraftTotals,
  Scheduler,
  Verifier,
} from '@specmesh/actors';
import { type ModelSpec, PooledModel, type StepTimes } from '@specmesh/models';
import type { Mode, SpeculationTrace } from '@specmesh/protocol';
import { Actor, createLogger, startNatsServer } from '@specmesh/runtime';

export interface BenchClusterOptions {
  readonly target: ModelSpec;
  readonly drafter: ModelSpec;
  readonly verifiers: number;
  /** Heartbeat period of every actor, ms. Defaults to 100. */
  readonly heartbeatMs?: number;
  /** Level of the actors' logs (stderr). Defaults to the runtime's (SPECMESH_LOG_LEVEL, else info). */
  readonly logLevel?: string;
  /** The drafter's `directVerify` (sessions send sequential tasks straight to their verifier). Defaults to true. */
  readonly directVerify?: boolean;
  /**
   * Drafters that only lend their model for pre-drafting (no session slots, one request at a time
   * each), beside the drafter that hosts the sessions. Defaults to 0.
   */
  readonly lenders?: number;
}

/** Pre-drafting during one request: the host's figures for it. */
export type BenchPredraft = PredraftTotals;

export interface BenchGeneration {
  readonly tokens: number[];
  /** Per token: 1 from an accepted draft, 0 from the target. */
  readonly sources: number[];
  readonly wallMs: number;
  /**
   * DSI parallel tasks declined during the request (no verifier ran them at once): by the batcher, or
   * by the verifier they were sent to directly.
   */
  readonly declined: number;
  /** The session's speculation timeline (its last chunk's). */
  readonly trace?: SpeculationTrace;
  /** Time the request's model steps took, verifiers' (`target`) and the drafter's (see StepTimes). */
  readonly steps: { readonly target: StepTimes; readonly drafter: StepTimes };
  /** Pre-drafting's figures for this request, on a cluster with lenders. */
  readonly predraft?: BenchPredraft;
}

export interface BenchCluster {
  /** Generates greedily and waits for the whole output. */
  generate(
    requestId: string,
    prompt: string,
    mode: Mode,
    k: number,
    maxTokens: number,
  ): Promise<BenchGeneration>;
  stop(): Promise<void>;
}

export async function startBenchCluster(o: BenchClusterOptions): Promise<BenchCluster> {
  const server = await startNatsServer();
  const common = {
    servers: server.url,
    heartbeatIntervalMs: o.heartbeatMs ?? 100,
    ...(o.logLevel ? { logger: createLogger({ level: o.logLevel }) } : {}),
  };
  const models: PooledModel[] = [];
  const targets: PooledModel[] = [];
  const roles: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const r of roles.reverse()) await r.stop();
    for (const m of models) await m.close();
    await server.stop();
  };
  try {
    const scheduler = await Scheduler.start(common);
    roles.push(scheduler);
    const batcher = await Batcher.start({ ...common, pool: 'p' });
    roles.push(batcher);
    const verifiers: Verifier[] = [];
    for (let i = 0; i < o.verifiers; i++) {
      const model = await PooledModel.open(o.target);
      models.push(model);
      targets.push(model);
      verifiers.push(await Verifier.start({ ...common, id: `v${i}`, pool: 'p', model }));
      roles.push(verifiers.at(-1)!);
    }
    // Parallel tasks declined by the batcher, or by the verifier they were sent to directly.
    const declinedSoFar = () => verifiers.reduce((n, v) => n + v.stats.declined, batcher.stats.declined);
    const draftModel = await PooledModel.open(o.drafter);
    models.push(draftModel);
    const lenders = o.lenders ?? 0;
    const host = await Drafter.start({
      ...common,
      id: 'd0',
      model: draftModel,
      ...(o.directVerify === false ? { directVerify: false } : {}),
      ...(lenders > 0 ? { predraft: true, predraftRequests: lenders } : {}),
    });
    roles.push(host);
    for (let i = 0; i < lenders; i++) {
      const model = await PooledModel.open(o.drafter);
      models.push(model);
      roles.push(await Drafter.start({ ...common, id: `l${i}`, model, maxSessions: 0, lendSlots: 1 }));
    }
    const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
    roles.push(client);
    const until = Date.now() + 10_000;
    while (scheduler.membership.alive({ role: 'verifier' }).length < o.verifiers && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    // DSI sizes its tasks in flight from the drafter's own view of the pool.
    await new Promise((r) => setTimeout(r, 6 * (o.heartbeatMs ?? 100)));
    const stepTimes = () => ({ target: sumStepTimes(targets), drafter: draftModel.stepTimes() });
    return {
      async generate(requestId, prompt, mode, k, maxTokens) {
        const declined = declinedSoFar();
        const stepsBefore = stepTimes();
        const predraftBefore = host.predraftTotals ? structuredClone(host.predraftTotals) : undefined;
        const t0 = performance.now();
        const out = await collect(
          await generate(client, {
            requestId,
            prompt,
            maxTokens,
            sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
            mode,
            window: { policy: 'static', k },
            deadlineAt: Date.now() + 600_000,
          }),
        );
        const wallMs = performance.now() - t0;
        const stepsAfter = stepTimes();
        // The session's figures land when it ends, which its last chunk follows closely.
        const predraftAfter = host.predraftTotals;
        return {
          tokens: out.tokens,
          sources: out.sources,
          wallMs,
          declined: declinedSoFar() - declined,
          ...(out.trace ? { trace: out.trace } : {}),
          steps: {
            target: stepTimesSince(stepsBefore.target, stepsAfter.target),
            drafter: stepTimesSince(stepsBefore.drafter, stepsAfter.drafter),
          },
          ...(lenders > 0 && predraftBefore && predraftAfter
            ? { predraft: combinePredraftTotals(predraftAfter, predraftBefore, -1) }
            : {}),
        };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function sumStepTimes(models: readonly PooledModel[]): StepTimes {
  const sum: StepTimes = { steps: 0, stepMs: 0, modelMs: 0 };
  for (const m of models) {
    const t = m.stepTimes();
    sum.steps += t.steps;
    sum.stepMs += t.stepMs;
    sum.modelMs += t.modelMs;
  }
  return sum;
}

function stepTimesSince(before: StepTimes, after: StepTimes): StepTimes {
  return {
    steps: after.steps - before.steps,
    stepMs: after.stepMs - before.stepMs,
    modelMs: after.modelMs - before.modelMs,
  };
}
