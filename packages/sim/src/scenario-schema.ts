/**
 * The scenario file format (YAML or JSON), as a TypeBox schema: validation and the TypeScript type come
 * from one definition. Times are ms, lengths tokens. `loadScenario` validates files against it and adds
 * the checks a schema cannot express.
 */
import { type Static, Type } from '@sinclair/typebox';

const NonNeg = Type.Number({ minimum: 0 });
const PosInt = Type.Integer({ minimum: 1 });

/** A distribution of a positive quantity (lengths, think times). */
export const DistSchema = Type.Union([
  Type.Object({ dist: Type.Literal('fixed'), value: NonNeg }, { additionalProperties: false }),
  Type.Object({ dist: Type.Literal('uniform'), min: NonNeg, max: NonNeg }, { additionalProperties: false }),
  Type.Object(
    { dist: Type.Literal('exponential'), mean: NonNeg, min: Type.Optional(NonNeg) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      dist: Type.Literal('lognormal'),
      mean: Type.Number({ exclusiveMinimum: 0 }),
      cv: NonNeg,
      min: Type.Optional(NonNeg),
      max: Type.Optional(NonNeg),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { dist: Type.Literal('empirical'), values: Type.Array(NonNeg, { minItems: 1 }) },
    { additionalProperties: false },
  ),
]);
export type Dist = Static<typeof DistSchema>;

const TargetLatencySchema = Type.Object(
  {
    ttftMs: NonNeg,
    tpotMs: NonNeg,
    prefillPerTokenMs: Type.Optional(NonNeg),
    perTokenMs: Type.Optional(NonNeg),
    perJobMs: Type.Optional(NonNeg),
  },
  { additionalProperties: false },
);

const DrafterGroupSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    count: PosInt,
    /** One-way latency to the targets: a fixed value, or a range each drafter's link is drawn from. */
    oneWayMs: Type.Union([NonNeg, Type.Tuple([NonNeg, NonNeg])]),
    /** Relative jitter per message, uniform ±. Defaults to 0. */
    jitter: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    latency: Type.Object({ ttftMs: NonNeg, tpotMs: NonNeg }, { additionalProperties: false }),
    /** Draft jobs at once. Defaults to 1. */
    slots: Type.Optional(PosInt),
    /** Overrides `speculation.execution` for this group. */
    execution: Type.Optional(Type.Union([Type.Literal('distributed'), Type.Literal('fused')])),
  },
  { additionalProperties: false },
);

const ArrivalSchema = Type.Union([
  Type.Object(
    {
      process: Type.Literal('closed-loop'),
      /** Concurrent clients, each waiting `thinkMs` after a response. Defaults to the drafter count. */
      clients: Type.Optional(PosInt),
      thinkMs: DistSchema,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { process: Type.Literal('poisson'), ratePerSec: Type.Number({ exclusiveMinimum: 0 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { process: Type.Literal('trace'), arrivalsMs: Type.Array(NonNeg, { minItems: 1 }) },
    { additionalProperties: false },
  ),
]);

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    /** Seed of every random stream. Defaults to 1. */
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    drafters: Type.Array(DrafterGroupSchema, { minItems: 1 }),
    targets: Type.Object(
      {
        count: PosInt,
        /** Batches in flight per target. Defaults to 1. */
        slots: Type.Optional(PosInt),
        latency: TargetLatencySchema,
        batching: Type.Optional(
          Type.Object(
            { windowMs: NonNeg, maxJobs: Type.Integer({ minimum: 1, maximum: 1024 }) },
            {
              additionalProperties: false,
            },
          ),
        ),
        /**
         * A batching target (an accelerator): continuous batching at pass granularity. One pass runs at
         * a time; when none runs and jobs wait, a pass starts holding every waiting job (prefills and
         * verifications alike, no window, no job cap) and lasts `batchStepMs(batchCost, Σ positions)`
         * (core's roofline), each job counting the positions its target's cache lacks (a verification
         * of d drafts on a warm cache: d + 1). Replaces `latency` for verification time, `slots` (must
         * be 1) and `batching` (must be absent). Defaults to none: the target serves batches as
         * `latency` says.
         */
        batchCost: Type.Optional(
          Type.Object(
            {
              baseMs: NonNeg,
              perPositionMs: NonNeg,
              kneePositions: PosInt,
            },
            { additionalProperties: false },
          ),
        ),
        /** Server-side draft cost per token in fused mode. Defaults to 0. */
        fusedDraftMs: Type.Optional(NonNeg),
        /**
         * Who pays for fused drafting. `free` (DSD-Sim): it takes `fusedDraftMs` per token beside the
         * target, none of the target's time. `target`: the draft model shares the target's
         * accelerator, so a fused round's drafts run at the start of the batch that verifies them and
         * lengthen it by `fusedDraftMs` per token of its longest fused job, for every job in the
         * batch. Defaults to `free`.
         */
        fusedDraftCost: Type.Optional(Type.Union([Type.Literal('free'), Type.Literal('target')])),
        /**
         * What a target's cache holds of a session. `session` (DSD-Sim): the prompt, paid once per
         * session and target; later jobs pay their drafts only. `prefix`: the tokens of its last job
         * there, like a real KV cache: a job pays for every position its target lacks (a target that
         * never saw the session prefills the whole prefix, one that saw it long ago catches up), at
         * `prefillPerTokenMs` on a cold target, else `perTokenMs` per position beyond the first.
         * Defaults to `session`.
         */
        cache: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('prefix')])),
      },
      { additionalProperties: false },
    ),
    /**
     * Costs of the message layer, for modelling a real cluster (validation). Defaults to none: an edge
     * client beside its drafter and free broker hops, as in DSD-Sim.
     */
    messaging: Type.Optional(
      Type.Object(
        {
          /**
           * Cost of one broker hop (publish → delivery, encode and decode), ms, added to every message:
           * a verify task crosses two (drafter → batcher → verifier), its result one (the verifier
           * publishes it to the drafter), a preemption one.
           * Defaults to 0.
           */
          hopMs: Type.Optional(NonNeg),
          /**
           * Where the user's client sits. `drafter` (DSD: on the device) sees tokens as they commit;
           * `cloud` (a gateway beside the targets) sends each request across the drafter's link to
           * start it (client → scheduler → drafter, two hops) and sees each commit one link delay and
           * one hop later. Defaults to `drafter`.
           */
          client: Type.Optional(Type.Union([Type.Literal('drafter'), Type.Literal('cloud')])),
          /**
           * Direct verification (protocols 2.1 and 2.2): once a session's task has been answered, its
           * later sequential tasks cross one hop (drafter → the verifier that answered), not two, and
           * its parallel (DSI) tasks always do (drafter → a verifier that runs them at once, or declines
           * them). Defaults to false.
           */
          directVerify: Type.Optional(Type.Boolean()),
          /**
           * Time a verify task spends on its verifier's host around the target's step, ms: the hand-off
           * to the model's worker thread and back, the context assembly, the acceptance and the
           * signature. Every result arrives that much later; it holds no target compute. Defaults to 0.
           */
          stepOverheadMs: Type.Optional(NonNeg),
        },
        { additionalProperties: false },
      ),
    ),
    routing: Type.Optional(
      Type.Object(
        {
          targets: Type.Union([
            Type.Literal('jsq-sticky'),
            Type.Literal('shared-queue'),
            Type.Literal('batcher'),
          ]),
        },
        { additionalProperties: false },
      ),
    ),
    speculation: Type.Object(
      {
        /**
         * `auto` chooses per round between non-SI, SI and DSI (window and SP degree too) with core's
         * `chooseRound`, from the state of the session's target (see session-driver.ts).
         */
        mode: Type.Union([
          Type.Literal('nonsi'),
          Type.Literal('si'),
          Type.Literal('dsi'),
          Type.Literal('auto'),
        ]),
        execution: Type.Optional(Type.Union([Type.Literal('distributed'), Type.Literal('fused')])),
        window: Type.Object(
          {
            /** `awc` uses the weights shipped with @specmesh/core unless the run is given others. */
            policy: Type.Union([
              Type.Literal('static'),
              Type.Literal('backoff'),
              Type.Literal('threshold'),
              Type.Literal('bandit'),
              Type.Literal('awc'),
            ]),
            k: Type.Integer({ minimum: 1, maximum: 64 }),
            /**
             * Largest window a policy may pick. Defaults to `k`. Mode `auto` ignores the policy and
             * `k`: its round choice takes windows of 1 to 8 (core's defaults), at most `maxK` when set.
             */
            maxK: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
            /**
             * SI: a round whose window is 1 runs fused (DSD's γ = 1: draft and verify at the target, no
             * network per round), longer ones distributed; switching costs one link delay. Defaults
             * to false (every round runs as `execution` says).
             */
            fusedRounds: Type.Optional(Type.Boolean()),
            /**
             * `awc`: the windows its post-processing rounds to, ascending. DSD's set is
             * [1, 2, 3, 4, 6, 8]; [1, 4, 6, 8] skips 2 and 3, which the smoothed output of a network
             * undecided between a fused round and a long window otherwise lands on. Defaults to
             * DSD's set.
             */
            awcWindows: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 64 }), { minItems: 1 })),
          },
          { additionalProperties: false },
        ),
        /**
         * Pre-drafting (SSD; runs with a token oracle only): each drafter gets `drafters` more
         * instances of its latency that draft, while tasks are in flight, the continuations of the
         * most likely rejections (`alternatives`: the drafter's runner-ups per position; `branches`:
         * candidates considered at each step). 0 drafters: plain DSI.
         */
        predraft: Type.Optional(
          Type.Object(
            {
              drafters: Type.Integer({ minimum: 0, maximum: 64 }),
              alternatives: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
              branches: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
            },
            { additionalProperties: false },
          ),
        ),
        acceptance: Type.Union([
          Type.Object(
            { model: Type.Literal('iid'), a: Type.Number({ minimum: 0, maximum: 1 }) },
            {
              additionalProperties: false,
            },
          ),
          Type.Object(
            {
              model: Type.Literal('decaying'),
              base: Type.Number({ minimum: 0, maximum: 1 }),
              decay: Type.Number({ minimum: 0, maximum: 1 }),
            },
            { additionalProperties: false },
          ),
        ]),
      },
      { additionalProperties: false },
    ),
    workload: Type.Object(
      {
        /** Requests to complete. */
        requests: PosInt,
        arrival: ArrivalSchema,
        promptTokens: DistSchema,
        outputTokens: DistSchema,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type DrafterGroup = Static<typeof DrafterGroupSchema>;
