/**
 * Runs a scenario in virtual time: builds drafters (each with its network link), targets (batcher and
 * queues) and the router, generates requests (trace replay, Poisson, or closed-loop clients with think
 * time), drives each request's core `Orchestrator` through a `SessionDriver`, and reports metrics.
 *
 * Open-loop requests go to the drafter with the fewest sessions (join-shortest-queue, lowest index on
 * ties); closed-loop client `c` is a device that always uses drafter `c mod drafters`.
 *
 * `speculation.mode: auto` sessions choose each round with core's `chooseRound` (window policies do
 * not apply; `window.maxK` bounds its windows). Sessions of `auto` mode or on batching targets
 * (`targets.batchCost`) run load-aware DSI: a parallel task only where it runs at once, else declined.
 *
 * @example
 *   const report = runScenario(loadScenario('packages/sim/scenarios/dsd-gsm8k.yaml'));
 *   report.throughputTokPerSec;
 */
import {
  AUTO_WINDOWS,
  type AwcWeights,
  createAwcPolicy,
  createWindowPolicy,
  isStatefulPolicy,
  type RoundChoiceOptions,
  shippedAwcWeights,
  type TokenOracle,
  type WindowPolicy,
  type WindowStats,
} from '@specmesh/core';
import { ConfigError, InternalError } from '@specmesh/protocol';
import { type AcceptanceModel, createAcceptanceModel } from './acceptance-model.js';
import {
  drafterCapability,
  type SessionFacts,
  simWindowFeatures,
  type WindowDecision,
} from './awc/window-observation.js';
import { DrafterServer } from './drafter-server.js';
import { LeastLoadTree } from './least-load-tree.js';
import { NetworkLink } from './network-link.js';
import { RequestTally } from './request-totals.js';
import { sampleDist, sampleTokens } from './sample-dist.js';
import type { Scenario } from './scenario-schema.js';
import { type CommitSeen, type RequestRecord, type RoundMeasures, SessionDriver } from './session-driver.js';
import { SimRandom } from './sim-random.js';
import { buildReport, type SimReport } from './sim-report.js';
import { Simulation } from './simulation.js';
import { TargetRouter } from './target-router.js';
import { TargetServer } from './target-server.js';

export interface RunScenarioOptions {
  /** Called after each finished request. */
  readonly onProgress?: (completed: number, total: number) => void;
  /** Real tokens from core's oracle instead of the scenario's acceptance model (DSI comparisons). */
  readonly oracle?: TokenOracle;
  /**
   * Prompt tokens for oracle runs: one for every request, or one per request id (arrival order),
   * given the request's prompt length.
   */
  readonly prompt?: ArrayLike<number> | ((requestId: number, promptTokens: number) => ArrayLike<number>);
  /** Receives every finished request's record. */
  readonly onRequest?: (r: RequestRecord) => void;
  /** Weights for `window.policy: awc`. Defaults to the weights shipped with @specmesh/core. */
  readonly awcWeights?: AwcWeights;
  /**
   * Replaces window decisions (oracle labelling): called at every decision of every distributed
   * session with what the decision sees and the scenario policy's answer, returns the window to use.
   */
  readonly windowOverride?: (d: WindowDecision, proposed: number) => number;
  /** Sees every commit as its client sees it. */
  readonly onCommit?: (c: CommitSeen) => void;
  /**
   * Asked after every window decision and commit; true ends the run there (labelling replays need
   * only a stretch of it). The report then covers the requests finished so far.
   */
  readonly stopWhen?: () => boolean;
}

interface DrafterNode {
  readonly server: DrafterServer;
  /** Its instances lent to pre-drafting (`speculation.predraft`). */
  readonly predrafter: DrafterServer | undefined;
  readonly link: NetworkLink;
  readonly execution: 'distributed' | 'fused';
  readonly tpotMs: number;
}

export function runScenario(s: Scenario, options: RunScenarioOptions = {}): SimReport {
  const sim = new Simulation();
  const root = new SimRandom(s.seed ?? 1);
  // Independent streams, split in a fixed order.
  const linkRng = root.split();
  const lengthRng = root.split();
  const arrivalRng = root.split();
  const thinkRng = root.split();
  const acceptSeed = root.split().float() * 4294967296;

  const drafters: DrafterNode[] = [];
  const predrafters = s.speculation.predraft?.drafters ?? 0;
  // Pre-drafting guesses the target's token from the drafter's runner-ups: real tokens only.
  if (predrafters > 0 && !options.oracle)
    throw new ConfigError('speculation.predraft needs a run with a token oracle (the DSI offline grid)', {
      context: { field: 'speculation.predraft' },
    });
  for (const g of s.drafters) {
    for (let i = 0; i < g.count; i++) {
      const base = Array.isArray(g.oneWayMs) ? linkRng.uniform(g.oneWayMs[0], g.oneWayMs[1]) : g.oneWayMs;
      drafters.push({
        server: new DrafterServer(sim, drafters.length, g.latency, g.slots ?? 1),
        predrafter:
          predrafters > 0 ? new DrafterServer(sim, drafters.length, g.latency, predrafters, true) : undefined,
        link: new NetworkLink(base, g.jitter ?? 0, linkRng.split()),
        execution: g.execution ?? s.speculation.execution ?? 'distributed',
        tpotMs: g.latency.tpotMs,
      });
    }
  }
  const t = s.targets;
  const { mode } = s.speculation;
  if (t.batchCost && t.batching)
    throw new ConfigError('targets.batching: a batching target (targets.batchCost) has no window', {
      context: { field: 'targets.batching' },
    });
  if (t.batchCost && (t.slots ?? 1) !== 1)
    throw new ConfigError('targets.slots: a batching target (targets.batchCost) runs one pass at a time', {
      context: { field: 'targets.slots' },
    });
  if (t.batchCost && s.routing?.targets === 'shared-queue')
    throw new ConfigError('routing.targets: batching targets need jsq-sticky or batcher routing', {
      context: { field: 'routing.targets' },
    });
  const loadAware = mode === 'auto' || t.batchCost !== undefined;
  const choice: RoundChoiceOptions | undefined =
    s.speculation.window.maxK !== undefined
      ? { windows: AUTO_WINDOWS.filter((w) => w <= (s.speculation.window.maxK ?? 64)) }
      : undefined;
  const targets = Array.from(
    { length: t.count },
    (_, index) =>
      new TargetServer(sim, {
        index,
        latency: t.latency,
        slots: t.slots ?? 1,
        windowMs: t.batching?.windowMs ?? 0,
        maxJobs: t.batching?.maxJobs ?? 1,
        cache: t.cache ?? 'session',
        ...(t.batchCost ? { batchCost: t.batchCost } : {}),
      }),
  );
  const router = new TargetRouter(s.routing?.targets ?? 'jsq-sticky', targets, loadAware);
  const acceptance: AcceptanceModel = createAcceptanceModel(s.speculation.acceptance);
  const { window } = s.speculation;
  const fusedRounds = window.fusedRounds === true;
  if (fusedRounds && mode !== 'si')
    throw new ConfigError(`speculation.window.fusedRounds needs mode si, got ${s.speculation.mode}`, {
      context: { field: 'speculation.window.fusedRounds' },
    });
  const { awcWeights } = options;
  const makePolicy = () =>
    window.policy === 'awc' && window.awcWindows
      ? createAwcPolicy({
          weights: awcWeights ?? shippedAwcWeights(),
          gammaDefault: window.k,
          allowed: window.awcWindows,
        })
      : createWindowPolicy({
          policy: window.policy,
          k: window.k,
          ...(awcWeights ? { weights: awcWeights } : {}),
        });
  // AWC keeps state per drafter-target pair (histories, smoothing, hysteresis): one per session. The
  // other policies are stateless and shared.
  const shared = window.policy === 'static' || isStatefulPolicy(window.policy) ? undefined : makePolicy();
  const { windowOverride, stopWhen } = options;
  let stopped = false;
  const check = stopWhen
    ? () => {
        if (!stopped && stopWhen()) {
          stopped = true;
          sim.stop();
        }
      }
    : undefined;
  const onCommit = options.onCommit;
  const commitHook =
    onCommit || check
      ? (c: CommitSeen) => {
          onCommit?.(c);
          check?.();
        }
      : undefined;

  const total = s.workload.requests;
  // Finished requests go into running totals, not a list: a million records would hold ~200 MB.
  const finished = new RequestTally();
  let tasks = 0;
  let arrived = 0;

  const startRequest = (drafter: DrafterNode, onDone?: () => void) => {
    const id = arrived++;
    const promptTokens = sampleTokens(s.workload.promptTokens, lengthRng);
    const outputTokens = sampleTokens(s.workload.outputTokens, lengthRng);
    const fused = drafter.execution === 'fused';
    const arrivedAt = sim.now;
    const policy: WindowPolicy | undefined =
      fused || mode === 'auto' ? undefined : isStatefulPolicy(window.policy) ? makePolicy() : shared;
    const facts: SessionFacts = {
      promptTokens,
      batchSize: t.batching?.maxJobs ?? 1,
      nominalRttMs: 2 * drafter.link.oneWayMs,
      nominalStepMs: t.latency.tpotMs,
      drafterCapability: drafterCapability(t.latency.tpotMs, drafter.tpotMs),
    };
    const nextWindow =
      policy || (windowOverride && !fused && mode !== 'auto')
        ? (w: WindowStats, round: RoundMeasures) => {
            const features = simWindowFeatures(w, round, facts, sim.now);
            const proposed = policy ? policy.nextWindow(features) : window.k;
            if (!windowOverride) return proposed;
            const decision: WindowDecision = {
              requestId: id,
              index: round.decisions,
              at: sim.now,
              target: round.target?.index ?? -1,
              committed: w.committed,
              features,
            };
            const chosen = windowOverride(decision, proposed);
            check?.();
            return chosen;
          }
        : undefined;
    // A round's time on the network as the session sees it: the link both ways, the hops of a task
    // (two up through the batcher, one with direct verification) and of its result, and the
    // verifier host's time around the step.
    const msg = s.messaging;
    const roundTripMs =
      2 * drafter.link.oneWayMs +
      (msg?.directVerify ? 2 : 3) * (msg?.hopMs ?? 0) +
      (msg?.stepOverheadMs ?? 0);
    const session = new SessionDriver(
      {
        id,
        promptTokens,
        outputTokens,
        arrivedAt,
        mode,
        // Fused mode is DSD's γ = 1: one draft per round, no window to adapt.
        k: fused ? 1 : window.k,
        maxTasks: targets.length,
        execution: drafter.execution,
        fusedDraftMs: t.fusedDraftMs ?? 0,
        fusedDraftCost: t.fusedDraftCost ?? 'free',
        ...(nextWindow && !fused ? { nextWindow } : {}),
        ...(fusedRounds && !fused ? { fusedRounds } : {}),
        ...(window.maxK !== undefined && !fused ? { maxWindow: window.maxK } : {}),
        // What load-aware window policies see of the target: the auto mode's view.
        ...(fused || mode === 'auto'
          ? {}
          : {
              viewFacts: {
                draftMsPerToken: drafter.tpotMs,
                rttMs: roundTripMs,
              },
            }),
        seed: acceptSeed,
        hopMs: s.messaging?.hopMs ?? 0,
        cloudClient: s.messaging?.client === 'cloud',
        ...(s.messaging?.directVerify ? { directVerify: true } : {}),
        ...(s.messaging?.stepOverheadMs ? { stepOverheadMs: s.messaging.stepOverheadMs } : {}),
        ...(mode === 'auto'
          ? {
              auto: {
                draftMsPerToken: fused ? (t.fusedDraftMs ?? 0) : drafter.tpotMs,
                rttMs: fused ? 0 : roundTripMs,
                ...(choice ? { choice } : {}),
              },
            }
          : {}),
        ...(loadAware ? { loadAware } : {}),
        ...(predrafters > 0 ? { predraft: s.speculation.predraft! } : {}),
      },
      {
        sim,
        drafter: drafter.server,
        ...(drafter.predrafter ? { predrafter: drafter.predrafter } : {}),
        link: drafter.link,
        router,
        acceptance,
        ...(options.oracle ? { oracle: options.oracle } : {}),
        ...(options.prompt
          ? {
              prompt:
                typeof options.prompt === 'function' ? options.prompt(id, promptTokens) : options.prompt,
            }
          : {}),
        ...(commitHook ? { onCommit: commitHook } : {}),
        ...(t.cache === 'prefix' ? { jobTokens: true } : {}),
        onFinish: (r) => {
          finished.add(r);
          tasks += r.tasks;
          options.onRequest?.(r);
          options.onProgress?.(finished.requests, total);
          // A cloud client learns the request is done when its last token reaches it.
          if (onDone && s.messaging?.client === 'cloud') sim.at(Math.max(sim.now, r.lastTokenAt), onDone);
          else onDone?.();
        },
      },
    );
    // In fused mode the request itself crosses the network to the server first; a cloud client's
    // request crosses the drafter's link the other way (client → scheduler → drafter).
    if (fused) sim.after(drafter.link.delay(), () => session.start());
    else if (s.messaging?.client === 'cloud')
      sim.after(drafter.link.delay() + 2 * (s.messaging.hopMs ?? 0), () => session.start());
    else session.start();
  };

  // Join-shortest-queue over drafters by open sessions, lowest index on ties, without a scan.
  const drafterLoads = new LeastLoadTree(drafters.length);
  for (const d of drafters) d.server.onSessions = (x) => drafterLoads.set(x.index, x.sessions);
  const leastLoaded = () => drafters[drafterLoads.least()]!;

  const a = s.workload.arrival;
  if (a.process === 'trace') {
    for (let i = 0; i < total; i++) sim.at(a.arrivalsMs[i]!, () => startRequest(leastLoaded()));
  } else if (a.process === 'poisson') {
    const meanGap = 1000 / a.ratePerSec;
    const next = () => {
      startRequest(leastLoaded());
      if (arrived < total) sim.after(arrivalRng.exponential(meanGap), next);
    };
    sim.after(arrivalRng.exponential(meanGap), next);
  } else {
    const clients = a.clients ?? drafters.length;
    const think = () => sampleDist(a.thinkMs, thinkRng);
    for (let c = 0; c < Math.min(clients, total); c++) {
      const device = drafters[c % drafters.length]!;
      const loop = () => {
        if (arrived >= total) return;
        startRequest(device, () => sim.after(think(), loop));
      };
      sim.after(think(), loop);
    }
  }

  sim.run();
  let jobsLeft = router.poolQueued;
  for (const x of targets) jobsLeft += x.load;
  if (finished.requests !== arrived && !stopped)
    throw new InternalError(
      `simulation stalled: ${arrived} requests arrived, ${finished.requests} completed`,
    );
  return buildReport({
    scenario: s.name,
    arrived,
    requests: finished,
    tasks,
    targets,
    targetSlots: t.slots ?? 1,
    jobsLeft,
    events: sim.events,
    endMs: sim.now,
  });
}
