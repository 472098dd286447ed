/**
 * Tokenizer of the emulated models: 0 = unk, 1 = BOS, 2 = EOS, 3..258 = the 256 bytes (UTF-8 byte
 * fallback), 259.. = whole words from a fixed list. Any text tokenizes (bytes); generated word tokens
 * make readable output.
 */

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const BYTE_BASE = 3;
export const WORD_BASE = 259;

const WORDS = (
  'the of and to in is that it for on with as was at by an be this from or are have not but what all were when ' +
  'we there can your which their said if do will each about how up out them then she many some so these would ' +
  'other into has more her two like him see time could no make than first been its who now people my made over ' +
  'did down only way find use may water long little very after words called just where most know get through ' +
  'back much before go good new write our used me man too any day same right look think also around another came ' +
  'come work three word must because does part even place well such here take why things help put years different ' +
  'away again off went old number great tell men say small every found still between name should home big give ' +
  'air line set own under read last never us left end along while might next sound below saw something thought ' +
  'both few those always looked show large often together asked house world going want school important until ' +
  'form food keep children feet land side without boy once animals life enough took sometimes four head above ' +
  'kind began almost live page got earth need far hand high year mother light parts country father let night ' +
  'following picture being study second eyes soon times story boys since white days ever paper hard near sentence'
).split(' ');

/** Number of word tokens for a vocabulary of `vocabSize` (the rest of the ids after the bytes). */
export function wordCount(vocabSize: number): number {
  return Math.max(0, Math.min(WORDS.length, vocabSize - WORD_BASE));
}

export function tokenizeEmulated(text: string): Uint32Array {
  const bytes = new TextEncoder().encode(text);
  return Uint32Array.from(bytes, (b) => BYTE_BASE + b);
}

export function detokenizeEmulated(tokens: ArrayLike<number>, vocabSize: number): string {
  const bytes: number[] = [];
  const parts: string[] = [];
  const flush = () => {
    if (bytes.length > 0) parts.push(new TextDecoder().decode(Uint8Array.from(bytes)));
    bytes.length = 0;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t >= BYTE_BASE && t < WORD_BASE) bytes.push(t - BYTE_BASE);
    else {
      flush();
      if (t >= WORD_BASE && t < WORD_BASE + wordCount(vocabSize)) parts.push(`${WORDS[t - WORD_BASE]} `);
    }
  }
  flush();
  return parts.join('');
}
