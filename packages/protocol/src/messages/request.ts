/** Messages that admit a request (gateway → scheduler) and start or stop its session (scheduler → drafter). */
import { type Static, Type } from '@sinclair/typebox';
import {
  Count,
  EpochMs,
  HandoverTargetSchema,
  Id,
  MAX_TOKENS_PER_MESSAGE,
  ModeSchema,
  PromptSchema,
  SamplingSchema,
  TokenIds,
  TopLogprobsCount,
  WindowSpecSchema,
} from './common.js';

/** One message of a chat conversation. */
export const ChatMessageSchema = Type.Object(
  {
    /** `system`, `user`, `assistant`, or another role the model's template knows. */
    role: Type.String({ minLength: 1, maxLength: 64 }),
    content: Type.String({ maxLength: 4 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);
export type ChatMessage = Static<typeof ChatMessageSchema>;

/** What a generation asks for; shared by `submit` and `session.start`. */
const GenerationFields = {
  requestId: Id,
  prompt: PromptSchema,
  maxTokens: Type.Integer({ minimum: 1, maximum: MAX_TOKENS_PER_MESSAGE }),
  sampling: SamplingSchema,
  mode: ModeSchema,
  /**
   * The `auto` mode: the session chooses per round between non-SI, SI and DSI (and the window and SP
   * degree) from the cluster's load; `mode` is then the most it may use (`dsi` allows all three), and
   * what a peer without auto runs. Since 1.3.
   */
  auto: Type.Optional(Type.Boolean()),
  window: WindowSpecSchema,
  /** Absolute deadline (sender's wall clock, ms since epoch). */
  deadlineAt: Type.Optional(EpochMs),
  /** Stop strings; generation ends before the first one. */
  stop: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 16 })),
  /**
   * Report the target's log-probability of every output token and of this many most likely
   * alternatives per position (0: the chosen token's only). Absent: none (they cost bytes on every
   * hop). Since 1.4.
   */
  logprobs: Type.Optional(TopLogprobsCount),
  /**
   * The conversation of a chat request. A host whose model carries a chat template renders the prompt
   * from it (special tokens included); `prompt` stays the plain transcript, which an older host or a
   * model without a template uses. Since 1.4.
   */
  messages: Type.Optional(Type.Array(ChatMessageSchema, { minItems: 1, maxItems: 1024 })),
};

/** Where a resumed session picks up: the committed output so far and the next chunk sequence number. */
export const ResumeSchema = Type.Object(
  {
    committed: TokenIds({ maxLength: MAX_TOKENS_PER_MESSAGE }),
    nextSeq: Count,
    /**
     * Which move of the request this is, from 1. A scheduler answers the repeats of one move as one
     * request, and a later move never with an earlier move's session: two moves can share the
     * committed output and the next chunk (a request that moves twice before its first token), and
     * the earlier session is one its client has abandoned. Since 2.4.
     */
    move: Type.Optional(Count),
  },
  { additionalProperties: false },
);

/** `submit`: ask the scheduler to run one generation request. */
export const SubmitSchema = Type.Object(
  {
    ...GenerationFields,
    /**
     * Instance id of the client (gateway, `specmesh generate`): the session's host publishes the
     * tokens on `tokens.<client>.<host>.<requestId>`, which only that client may read.
     */
    client: Id,
    /** Target pool to use; the scheduler picks one when absent. */
    pool: Type.Optional(Id),
    /**
     * Continue a request whose session host died, hung or handed it over: the output the client has
     * committed so far and the next chunk number. The new host generates only what follows.
     */
    resume: Type.Optional(ResumeSchema),
    /** Instances not to place the session on (the host that just failed), while another drafter is alive. */
    avoid: Type.Optional(Type.Array(Id, { maxItems: 16 })),
    /**
     * Where the previous host asked the rest to run (its `handoverTo`): the scheduler places the
     * session there when a host of that kind has room, by its own rules otherwise. Since 1.2.
     */
    prefer: Type.Optional(HandoverTargetSchema),
  },
  { additionalProperties: false },
);
export type Submit = Static<typeof SubmitSchema>;

/** `submit.ok`: the scheduler admitted the request; tokens will arrive on `tokenSubject`. */
export const SubmitAcceptedSchema = Type.Object(
  {
    requestId: Id,
    sessionId: Id,
    drafterId: Id,
    pool: Id,
    tokenSubject: Type.String({ minLength: 1, maxLength: 512 }),
  },
  { additionalProperties: false },
);
export type SubmitAccepted = Static<typeof SubmitAcceptedSchema>;

/**
 * How the scheduler placed a session, and the thresholds its host applies to decide whether the
 * request should move (hand over) while it runs, so that scheduler and hosts judge alike.
 */
export const PlacementSchema = Type.Object(
  {
    /** `edge`: a drafter; `fused`: a verifier drafting with its own draft model; `target-only`. */
    kind: Type.Union([Type.Literal('edge'), Type.Literal('fused'), Type.Literal('target-only')]),
    policy: Type.Union([Type.Literal('adaptive'), Type.Literal('edge'), Type.Literal('fused')]),
    /** Edge round trip (ms) from which fused pays off when the cloud has room. */
    fusedRttMs: Type.Number({ minimum: 0, maximum: 60_000 }),
    /** Pool load (work over capacity) from which the cloud counts as busy. */
    busyLoad: Type.Number({ minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type Placement = Static<typeof PlacementSchema>;

/** `session.start`: the scheduler hands a request to a drafter, which owns it from now on. */
export const SessionStartSchema = Type.Object(
  {
    sessionId: Id,
    ...GenerationFields,
    pool: Id,
    tokenSubject: Type.String({ minLength: 1, maxLength: 512 }),
    /** Present when the session resumes after its previous host died, hung or handed it over. */
    resume: Type.Optional(ResumeSchema),
    placement: Type.Optional(PlacementSchema),
  },
  { additionalProperties: false },
);
export type SessionStart = Static<typeof SessionStartSchema>;

/** `session.ok`: the drafter accepted the session. */
export const SessionAcceptedSchema = Type.Object(
  { sessionId: Id, drafterId: Id },
  { additionalProperties: false },
);
export type SessionAccepted = Static<typeof SessionAcceptedSchema>;

/**
 * `session.probe`: is this instance still running the session? Answered `session.ok` when it is and
 * `E_UNKNOWN_SESSION` when not; a dead instance leaves NATS to answer "no responders" at once, and a
 * hung one lets the request time out. Clients probe a host whose token stream went quiet.
 */
export const SessionProbeSchema = Type.Object({ sessionId: Id }, { additionalProperties: false });
export type SessionProbe = Static<typeof SessionProbeSchema>;

/** `session.cancel`: stop a session (client gone, deadline passed, operator). */
export const SessionCancelSchema = Type.Object(
  { sessionId: Id, reason: Type.String({ maxLength: 512 }) },
  { additionalProperties: false },
);
export type SessionCancel = Static<typeof SessionCancelSchema>;
