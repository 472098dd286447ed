/**
 * Contexts for probing emulated models: `n` word tokens of the emulated vocabulary, a run starting at
 * word `from`. Any words make a valid context, and a longer run from the same `from` extends a shorter
 * one, so a probe can grow a session's context by what it appends (the model reuses the prefix).
 */
import { WORD_BASE } from '@specmesh/models';

export function emulatedWords(n: number, from: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => WORD_BASE + ((from + i) % 97));
}
