/**
 * The tokenizer of the synthetic llama models: a llama (SentencePiece-style) vocabulary with byte
 * fallback, so any text round-trips through it, and readable filler pieces, so that generated text
 * looks like words.
 *
 * Ids: 0 `<unk>`, 1 `<s>` (BOS), 2 `</s>` (EOS), 3..258 the byte tokens `<0x00>`..`<0xFF>`, then
 * `▁` (a space), the letters a..z, then whole English words and pronounceable pseudo-words with a
 * leading `▁`. Only whole words, no word fragments: the greedy cycle visits every piece, so fragments
 * would make generated text look broken. The price: llama.cpp's SPM tokenizer only reaches a piece by
 * merging two pieces that are themselves in the vocabulary, so typed text tokenizes into `▁` and
 * letters (and bytes for the rest), never into words. It still round-trips exactly.
 */

/** Token type ids of `tokenizer.ggml.token_type` (llama.cpp's LLAMA_TOKEN_TYPE_*). */
export const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** Id of `<unk>`. */
export const SYNTHETIC_UNK_ID = 0;
/** Id of `<s>` (BOS). */
export const SYNTHETIC_BOS_ID = 1;
/** Id of `</s>` (EOS). */
export const SYNTHETIC_EOS_ID = 2;
/** Id of the byte token `<0x00>`; byte b is `SYNTHETIC_BYTE_BASE + b`. */
export const SYNTHETIC_BYTE_BASE = 3;
/**
 * First text piece (`▁`, letters, words): the maps cycle through these ids only and never point
 * below, so generated text is words, never stray bytes or control tokens.
 */
export const SYNTHETIC_FIRST_ID = SYNTHETIC_BYTE_BASE + 256;
/** The smallest vocabulary: specials, 256 bytes, `▁`, 26 letters, and a few words. */
export const SYNTHETIC_MIN_VOCAB = 300;

const WORDS = (
  'the of and to in is it you that he was for on are as with his they at be this have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their if will up ' +
  'other about out many then them these so some her would make like him into time has look two more write ' +
  'go see number no way could people my than first water been call who oil its now find long down day did ' +
  'get come made may part over new sound take only little work know place year live me back give most very ' +
  'after thing our just name good sentence man think say great where help through much before line right ' +
  'too mean old any same tell boy follow came want show also around form three small set put end does ' +
  'another well large must big even such because turn here why ask went men read need land different home ' +
  'us move try kind hand picture again change off play spell air away animal house point page letter mother ' +
  'answer found study still learn should world high every near add food between own below country plant ' +
  'last school father keep tree never start city earth eye light thought head under story saw left few ' +
  'while along might close something seem next hard open example begin life always those both paper together'
).split(' ');

const ONSETS = [
  'b',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'z',
  'br',
  'cl',
  'dr',
  'fl',
  'gr',
  'pl',
  'sh',
  'st',
  'tr',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'oo'];
const CODAS = ['', 'n', 'r', 's', 't', 'l', 'm', 'nd'];

/** Pronounceable pseudo-words, one syllable first, then two: an endless deterministic supply. */
function* pseudoWords(): Generator<string> {
  const syllables: string[] = [];
  for (const o of ONSETS) for (const v of VOWELS) for (const c of CODAS) syllables.push(o + v + c);
  yield* syllables;
  for (const a of syllables) for (const b of syllables) yield a + b;
}

/** Filler pieces in id order: `▁`, a..z, then `▁`-words, never repeating a piece. */
function* fillerPieces(): Generator<string> {
  const seen = new Set<string>();
  const fresh = function* (piece: string) {
    if (!seen.has(piece)) {
      seen.add(piece);
      yield piece;
    }
  };
  yield* fresh('▁');
  for (let c = 97; c <= 122; c++) yield* fresh(String.fromCharCode(c));
  const words = function* () {
    yield* WORDS;
    yield* pseudoWords();
  };
  for (const word of words()) yield* fresh(`▁${word}`);
}

/** The arrays stored as `tokenizer.ggml.tokens`, `.scores` and `.token_type`. */
export interface SyntheticVocab {
  /** [V] token pieces. */
  readonly tokens: readonly string[];
  /** [V] SPM merge scores: earlier fillers score higher, like a frequency-sorted vocabulary. */
  readonly scores: Float32Array;
  /** [V] token types ({@link TokenType}). */
  readonly types: Int32Array;
}

/** Builds the synthetic vocabulary of `vocabSize` tokens (at least {@link SYNTHETIC_MIN_VOCAB}). */
export function buildSyntheticVocab(vocabSize: number): SyntheticVocab {
  if (!Number.isInteger(vocabSize) || vocabSize < SYNTHETIC_MIN_VOCAB) {
    throw new RangeError(`vocabulary size must be an integer >= ${SYNTHETIC_MIN_VOCAB}, got ${vocabSize}`);
  }
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const scores = new Float32Array(vocabSize);
  const types = new Int32Array(vocabSize);
  types[SYNTHETIC_UNK_ID] = TokenType.unknown;
  types[SYNTHETIC_BOS_ID] = TokenType.control;
  types[SYNTHETIC_EOS_ID] = TokenType.control;
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types[SYNTHETIC_BYTE_BASE + b] = TokenType.byte;
  }
  const fillers = fillerPieces();
  while (tokens.length < vocabSize) {
    const id = tokens.length;
    tokens.push(fillers.next().value as string);
    scores[id] = -(id - (SYNTHETIC_BYTE_BASE + 256));
    types[id] = TokenType.normal;
  }
  return { tokens, scores, types };
}
