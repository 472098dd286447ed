import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  chainBefore,
  publicKeyFromRaw,
  rawPublicKey,
  signStatement,
  signStatementAsync,
  statementSignedBy,
  statementSignedByAsync,
  type VerifiedStatement,
} from '../src/index.js';

const keys = generateKeyPairSync('ed25519');
const tokens = [5, 17, 3, 900, 42];
const pieces = ['Hel', 'lo', ',', ' wörld', ''];
const statement: VerifiedStatement = {
  verifierId: 'v1',
  sessionId: 's-1',
  from: 12,
  to: 17,
  hash: chainBefore(tokens, pieces),
};

describe('verified statements', () => {
  it('a signature checks with the raw public key a heartbeat carries, and nothing else does', () => {
    const sig = signStatement(statement, keys.privateKey);
    const pub = publicKeyFromRaw(rawPublicKey(keys.publicKey));
    expect(statementSignedBy(statement, sig, pub)).toBe(true);
    expect(statementSignedBy({ ...statement, from: 13, to: 18 }, sig, pub)).toBe(false);
    expect(statementSignedBy({ ...statement, sessionId: 's-2' }, sig, pub)).toBe(false);
    expect(statementSignedBy({ ...statement, verifierId: 'v2' }, sig, pub)).toBe(false);
    expect(
      statementSignedBy({ ...statement, hash: chainBefore([5, 17, 3, 900, 43], pieces) }, sig, pub),
    ).toBe(false);
    // The same tokens with other text do not check either.
    const text = ['Hel', 'lo', '!', ' wörld', ''];
    expect(statementSignedBy({ ...statement, hash: chainBefore(tokens, text) }, sig, pub)).toBe(false);
    const other = generateKeyPairSync('ed25519');
    expect(statementSignedBy(statement, sig, other.publicKey)).toBe(false);
  });

  it('signs and checks off the event loop alike', async () => {
    const sig = await signStatementAsync(statement, keys.privateKey);
    expect(Buffer.from(sig)).toEqual(Buffer.from(signStatement(statement, keys.privateKey)));
    expect(await statementSignedByAsync(statement, sig, keys.publicKey)).toBe(true);
    expect(await statementSignedByAsync({ ...statement, from: 11 }, sig, keys.publicKey)).toBe(false);
    expect(await statementSignedByAsync(statement, sig.subarray(1), keys.publicKey)).toBe(false);
  });

  it('a prefix checks with the chain value after it (the tokens cut off stay unknown)', () => {
    for (let m = 0; m <= tokens.length; m++) {
      const rest = chainBefore(tokens.slice(m), pieces.slice(m));
      expect(Buffer.from(chainBefore(tokens.slice(0, m), pieces.slice(0, m), rest))).toEqual(
        Buffer.from(statement.hash),
      );
    }
    // Another prefix with the same rest does not.
    const rest = chainBefore(tokens.slice(2), pieces.slice(2));
    expect(Buffer.from(chainBefore([5, 18], ['Hel', 'lo'], rest))).not.toEqual(Buffer.from(statement.hash));
  });
});
