import { describe, expect, it } from 'vitest';
import { tokenPieces } from '../src/token-pieces.js';

describe('tokenPieces', () => {
  it('splits a chunk at each token text end, keeping per-token sources', () => {
    const pieces = tokenPieces({
      tokens: Uint32Array.of(1, 2, 3),
      text: ' the cat',
      textEnds: Uint32Array.of(4, 4, 8),
      sources: Uint8Array.of(1, 0, 1),
    });
    expect(pieces).toEqual([
      { text: ' the', sources: [1] },
      { text: '', sources: [0] },
      { text: ' cat', sources: [1] },
    ]);
  });

  it('keeps a chunk whole when it cannot be split (no or inconsistent textEnds)', () => {
    const c = { tokens: Uint32Array.of(1, 2), text: 'ab', sources: Uint8Array.of(0, 1) };
    expect(tokenPieces(c)).toEqual([{ text: 'ab', sources: [0, 1] }]);
    expect(tokenPieces({ ...c, textEnds: Uint32Array.of(1, 5) })).toEqual([{ text: 'ab', sources: [0, 1] }]);
    expect(tokenPieces({ ...c, tokens: new Uint32Array(0), text: '' })).toEqual([]);
  });
});
