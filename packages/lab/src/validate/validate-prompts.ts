/**
 * Prompts of a validation: request `id` gets a distinct text of exactly `tokens` emulated tokens (BOS
 * plus one token per byte), so both sides pay the same prefill and the simulator can be given the very
 * tokens the cluster sees.
 */
import { BOS_ID, tokenizeEmulated } from '@specmesh/models';

const FILLER = ' asks the cluster about drafters, targets and the network between them again and again';

/** ASCII text of `tokens - 1` bytes that starts with the request id. */
export function promptText(id: number, tokens: number): string {
  return `request ${id}${FILLER.repeat(Math.ceil(tokens / FILLER.length))}`.slice(0, tokens - 1);
}

/** The token ids the cluster's drafter and verifier see for `promptText(id, tokens)`. */
export function promptTokens(id: number, tokens: number): Uint32Array {
  return Uint32Array.from([BOS_ID, ...tokenizeEmulated(promptText(id, tokens))]);
}
