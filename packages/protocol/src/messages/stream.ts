/** Token stream: drafter → gateway/client. */
import { type Static, Type } from '@sinclair/typebox';
import { Count, Id, TokenIds, WireErrorSchema } from './common.js';

export const FinishReasonSchema = Type.Union([
  Type.Literal('stop'),
  Type.Literal('length'),
  Type.Literal('cancelled'),
  Type.Literal('error'),
]);
export type FinishReason = Static<typeof FinishReasonSchema>;

/**
 * `tokens`: committed tokens, in order. `seq` numbers chunks from 0 without gaps so a receiver
 * detects loss and duplication; `index` is the output position of `tokens[0]`.
 */
export const TokenChunkSchema = Type.Object(
  {
    requestId: Id,
    seq: Count,
    index: Count,
    tokens: TokenIds({ maxLength: 4096 }),
    /** Detokenized text of `tokens` (may be empty when a character spans chunks). */
    text: Type.String({ maxLength: 65_536 }),
    /** Per token: 1 when it came from an accepted draft, 0 when the target produced it. */
    sources: Type.Optional(Type.Uint8Array({ maxByteLength: 4096 })),
    /** Prompt length in tokens; sent on the first chunk so clients can report exact usage. */
    promptTokens: Type.Optional(Count),
    done: Type.Boolean(),
    finishReason: Type.Optional(FinishReasonSchema),
    error: Type.Optional(WireErrorSchema),
  },
  { additionalProperties: false },
);
export type TokenChunk = Static<typeof TokenChunkSchema>;
