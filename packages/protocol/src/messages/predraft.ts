/**
 * Pre-drafting between drafters (SSD-DSI, since 2.3): while a session's tasks are being verified, its
 * host asks an idle drafter (one that says `lend` in its heartbeat meta) to draft the continuation of
 * a likely rejection, so that the rejection, when it comes, finds its next drafts ready.
 */
import { type Static, Type } from '@sinclair/typebox';
import { EpochMs, Id, MAX_TOKENS_PER_MESSAGE, Probabilities, SamplingSchema, TokenIds } from './common.js';
import { MAX_DRAFT_TOKENS, SparseDraftDistSchema } from './verify.js';

/** Most runner-ups a pre-draft may ask for per drafted token. */
export const MAX_PREDRAFT_ALTERNATIVES = 8;

/**
 * `predraft`: draft `n` tokens after `context` on the receiving drafter's model. The context is the
 * branch's whole prefix (the session's sequence up to the rejected position, the guessed target
 * token, the branch's earlier pre-drafts), so the drafts are what the session's own drafter would
 * make after it.
 */
export const PredraftRequestSchema = Type.Object(
  {
    /** The session's id for this request (what a `predraft.drop` names). */
    requestId: Id,
    /** The session: the receiver keeps a cache per session, so the next branch reuses its prefix. */
    sessionId: Id,
    context: TokenIds({ maxLength: MAX_TOKENS_PER_MESSAGE }),
    n: Type.Integer({ minimum: 1, maximum: MAX_DRAFT_TOKENS }),
    /** Runner-ups wanted per drafted token (greedy drafts; sampled ones carry their distribution). */
    alternatives: Type.Integer({ minimum: 0, maximum: MAX_PREDRAFT_ALTERNATIVES }),
    sampling: SamplingSchema,
    deadlineAt: Type.Optional(EpochMs),
  },
  { additionalProperties: false },
);
export type PredraftRequest = Static<typeof PredraftRequestSchema>;

/**
 * `predraft.result`: the drafted tokens (fewer than asked when one is the end-of-sequence token), with
 * what the session's verification needs of the drafter's distribution.
 */
export const PredraftResultSchema = Type.Object(
  {
    requestId: Id,
    tokens: TokenIds({ maxLength: MAX_DRAFT_TOKENS }),
    /** Runner-ups per token in `alternatives` (greedy), shape `[tokens.length * width]`, most likely first. */
    width: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PREDRAFT_ALTERNATIVES })),
    alternatives: Type.Optional(TokenIds({ maxLength: MAX_DRAFT_TOKENS * MAX_PREDRAFT_ALTERNATIVES })),
    /** The drafter's probability of each of `alternatives`, same shape. */
    altProbs: Type.Optional(Probabilities({ maxLength: MAX_DRAFT_TOKENS * MAX_PREDRAFT_ALTERNATIVES })),
    /** Sampled drafts: the drafter's processed distribution at each token (what rejection sampling needs). */
    draftDist: Type.Optional(SparseDraftDistSchema),
    /** Model time the request took, ms. */
    computeMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PredraftResult = Static<typeof PredraftResultSchema>;

/** `predraft.drop`: requests whose branches will never be used; the receiver stops them. */
export const PredraftDropSchema = Type.Object(
  {
    sessionId: Id,
    requestIds: Type.Array(Id, { maxItems: 1024 }),
  },
  { additionalProperties: false },
);
export type PredraftDrop = Static<typeof PredraftDropSchema>;
