/**
 * Verified statements: a verifier's Ed25519 signature that it decided tokens of a session.
 *
 * A statement says "verifier V decided the tokens at positions [from, to) of session S, and they and
 * their text hash to H". The text is each token's piece as the session's text stream produces it
 * (packages/actors/src/session/text-stream.ts, from the session's first output position): the
 * gateway has no tokenizer and shows the chunks' text, so the text is vouched for as well as the ids. The verifier signs one per verify result (its accepted drafts plus its own corrected or bonus
 * token), never per token. Sessions pass statements on in their chunks (`tokens.proofs`) and clients
 * check them with the key V's heartbeats published; a drafter, which has no verifier key, can neither
 * make one up nor reuse one for other tokens.
 *
 * H is a backward hash chain, so that any prefix of a statement's tokens can be checked on its own:
 *   h[to] = 32 zero bytes;  h[i] = SHA-256(u32le(t[i]) ‖ h[i+1]);  H = h[from].
 * A receiver holding tokens [from, m) and the chain value h[m] recomputes H without the tokens after
 * m. Each step also hashes the token's text piece: h[i] = SHA-256(u32le(t[i]) ‖ u32le(bytes) ‖
 * utf8(piece[i]) ‖ h[i+1]). That is what lets a chunk cut at a stop string (or at the output's length, or where a later
 * statement decides the rest) keep only the tokens it returns: it carries h[m] as `rest`.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** Bytes of a chain value (SHA-256). */
export const STATEMENT_HASH_BYTES = 32;
/** Bytes of an Ed25519 signature. */
export const STATEMENT_SIGNATURE_BYTES = 64;
/** Bytes of a raw Ed25519 public key. */
export const SIGNING_KEY_BYTES = 32;

const DOMAIN = Buffer.from('specmesh.verified-statement.v1\n', 'utf8');
const CHAIN_END = new Uint8Array(STATEMENT_HASH_BYTES);

/**
 * The chain value before `tokens` (with their text `pieces`, one per token): h[0] of the chain that
 * continues with `after` (the chain value after the last token; the end of the statement by default).
 */
export function chainBefore(
  tokens: ArrayLike<number>,
  pieces: readonly string[],
  after: Uint8Array = CHAIN_END,
): Uint8Array {
  if (pieces.length !== tokens.length) throw new RangeError('one text piece per token');
  let h: Uint8Array = after;
  const word = Buffer.alloc(8);
  for (let i = tokens.length - 1; i >= 0; i--) {
    const text = Buffer.from(pieces[i]!, 'utf8');
    word.writeUInt32LE(tokens[i]! >>> 0, 0);
    word.writeUInt32LE(text.length, 4);
    h = createHash('sha256').update(word).update(text).update(h).digest();
  }
  return h;
}

/** What a verifier signs. */
export interface VerifiedStatement {
  readonly verifierId: string;
  readonly sessionId: string;
  /** Session position (prompt included) of the first decided token. */
  readonly from: number;
  /** One past the last decided token. */
  readonly to: number;
  /** {@link chainBefore} of the decided tokens. */
  readonly hash: Uint8Array;
}

/** The bytes signed for a statement: a domain tag, then every field length-prefixed or fixed-width. */
export function statementBytes(s: VerifiedStatement): Buffer {
  const vid = Buffer.from(s.verifierId, 'utf8');
  const sid = Buffer.from(s.sessionId, 'utf8');
  const head = Buffer.alloc(4 + vid.length + 4 + sid.length + 8);
  let at = head.writeUInt32LE(vid.length, 0);
  at += vid.copy(head, at);
  at = head.writeUInt32LE(sid.length, at);
  at += sid.copy(head, at);
  at = head.writeUInt32LE(s.from >>> 0, at);
  head.writeUInt32LE(s.to >>> 0, at);
  return Buffer.concat([DOMAIN, head, s.hash]);
}

/** Signs a statement with the verifier's private key (Ed25519). */
export function signStatement(s: VerifiedStatement, privateKey: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, statementBytes(s), privateKey));
}

/**
 * {@link signStatement} on libuv's thread pool: a verifier signing many results at once keeps its
 * event loop for the model's work.
 */
export function signStatementAsync(s: VerifiedStatement, privateKey: KeyObject): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign(null, statementBytes(s), privateKey, (err, sig) =>
      err ? reject(err) : resolve(new Uint8Array(sig)),
    );
  });
}

/** {@link statementSignedBy} on libuv's thread pool: a gateway checking many streams keeps its event loop. */
export function statementSignedByAsync(
  s: VerifiedStatement,
  signature: Uint8Array,
  publicKey: KeyObject,
): Promise<boolean> {
  if (signature.length !== STATEMENT_SIGNATURE_BYTES || s.to <= s.from) return Promise.resolve(false);
  return new Promise((resolve) => {
    verify(null, statementBytes(s), publicKey, signature, (err, ok) => resolve(!err && ok));
  });
}

/** Whether `signature` is the holder of `publicKey`'s signature of the statement. */
export function statementSignedBy(
  s: VerifiedStatement,
  signature: Uint8Array,
  publicKey: KeyObject,
): boolean {
  if (signature.length !== STATEMENT_SIGNATURE_BYTES || s.to <= s.from) return false;
  return verify(null, statementBytes(s), publicKey, signature);
}

/** A public key from its raw 32 bytes (a heartbeat's `signingKey`). */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== SIGNING_KEY_BYTES)
    throw new RangeError(`an Ed25519 public key has ${SIGNING_KEY_BYTES} bytes`);
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** The raw 32 bytes of an Ed25519 public key (what heartbeats carry). */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('not an Ed25519 public key');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}
