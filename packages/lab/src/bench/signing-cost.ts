/**
 * What verified output costs per verification round: the verifier's text pieces of the decided tokens
 * (following the session's text stream: two detokenize calls per token, here the emulated model's), its
 * signed statement over them (hash chain + Ed25519 signature), and a client's check of it (hash chain
 * + Ed25519 verification), for rounds deciding 1 (a plain target step), 5, 9 and 17 tokens (windows 0,
 * 4, 8, 16 fully accepted). Measured in-process on the tokens and text of a real emulated model, median of
 * `rounds` rounds after a warm-up. The session's share (a rest chain for a run cut short) is at most
 * the hash chain part.
 */
import { ResultSigner, SessionText } from '@specmesh/actors';
import { emulatedPair } from '@specmesh/models';
import { chainBefore, publicKeyFromRaw, statementSignedBy } from '@specmesh/protocol';
import { median } from '../median.js';

export interface SigningCostRow {
  /** Tokens the round decides (accepted drafts plus the target's own token). */
  readonly tokens: number;
  /** The verifier following the session's text for the decided tokens, µs per round. */
  readonly textUs: number;
  /** Hash chain over the tokens and their text, µs. */
  readonly chainUs: number;
  /** The verifier's whole statement: chain and signature, µs per round. */
  readonly signUs: number;
  /** A client's check: chain and signature verification, µs per round. */
  readonly verifyUs: number;
}

export const SIGNING_ROUND_TOKENS = [1, 5, 9, 17] as const;

export function runSigningCost(rounds: number): SigningCostRow[] {
  const { target } = emulatedPair({ agreement: 0.8, seed: 3 });
  const signer = ResultSigner.generate();
  const key = publicKeyFromRaw(signer.publicKey);
  const us = (from: bigint) => Number(process.hrtime.bigint() - from) / 1000;
  return SIGNING_ROUND_TOKENS.map((n) => {
    const text: number[] = [];
    const chain: number[] = [];
    const session = new SessionText((t) => target.detokenize(t));
    const output: number[] = [];
    const sign: number[] = [];
    const check: number[] = [];
    for (let r = -Math.min(50, rounds); r < rounds; r++) {
      const tokens = Array.from({ length: n }, (_, i) => (r * 31 + i * 7 + 3) % target.info.vocabSize);
      let t0 = process.hrtime.bigint();
      const pieces = session.piecesOf(output, 0, tokens);
      const textUs = us(t0);
      output.push(...tokens);
      // Sessions of a few hundred tokens, as the comparison against the stream's tokens costs per round.
      if (output.length > 512) output.length = 0;
      const from = 100 + r;
      t0 = process.hrtime.bigint();
      chainBefore(tokens, pieces);
      const chainUs = us(t0);
      t0 = process.hrtime.bigint();
      const signature = signer.sign('v0', 'session-1', from, tokens, pieces);
      const signUs = us(t0);
      t0 = process.hrtime.bigint();
      const statement = {
        verifierId: 'v0',
        sessionId: 'session-1',
        from,
        to: from + n,
        hash: chainBefore(tokens, pieces),
      };
      const ok = statementSignedBy(statement, signature, key);
      const verifyUs = us(t0);
      if (!ok) throw new Error('a statement signed here did not check');
      if (r < 0) continue;
      text.push(textUs);
      chain.push(chainUs);
      sign.push(signUs);
      check.push(verifyUs);
    }
    const round1 = (x: number) => Math.round(x * 10) / 10;
    return {
      tokens: n,
      textUs: round1(median(text)),
      chainUs: round1(median(chain)),
      signUs: round1(median(sign)),
      verifyUs: round1(median(check)),
    };
  });
}

export function formatSigningCost(rows: readonly SigningCostRow[]): string {
  const head = [
    'tokens/round',
    'text µs',
    'chain µs',
    'sign µs',
    'verify µs',
    'verifier µs/token',
    'client µs/token',
  ];
  const lines = [head.join('  ')];
  for (const r of rows) {
    const cells = [
      r.tokens,
      r.textUs,
      r.chainUs,
      r.signUs,
      r.verifyUs,
      (r.textUs + r.signUs) / r.tokens,
      r.verifyUs / r.tokens,
    ];
    lines.push(
      cells.map((c, j) => (j === 0 ? String(c) : c.toFixed(1)).padStart(head[j]!.length)).join('  '),
    );
  }
  return lines.join('\n');
}
