import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chainBefore,
  ErrorCode,
  publicKeyFromRaw,
  rawPublicKey,
  statementSignedBy,
} from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { ResultSigner } from '../src/verifier/result-signer.js';

const dir = mkdtempSync(join(tmpdir(), 'specmesh-signing-'));
const pemOf = (key: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) =>
  key.export({ type: 'pkcs8', format: 'pem' });

describe('a verifier signing identity', () => {
  it('from a PEM file is the file’s key, so a restarted verifier keeps it; its statements check', () => {
    const pair = generateKeyPairSync('ed25519');
    const file = join(dir, 'verifier.pem');
    writeFileSync(file, pemOf(pair.privateKey));
    const a = ResultSigner.fromPemFile(file);
    const b = ResultSigner.fromPemFile(file);
    expect(Buffer.from(a.publicKey)).toEqual(Buffer.from(rawPublicKey(pair.publicKey)));
    expect(Buffer.from(b.publicKey)).toEqual(Buffer.from(a.publicKey));
    const signature = a.sign('v0', 's', 7, [1, 2], ['a', 'b']);
    const statement = {
      verifierId: 'v0',
      sessionId: 's',
      from: 7,
      to: 9,
      hash: chainBefore([1, 2], ['a', 'b']),
    };
    expect(statementSignedBy(statement, signature, publicKeyFromRaw(b.publicKey))).toBe(true);
  });

  it('generated keys differ per start', () => {
    expect(Buffer.from(ResultSigner.generate().publicKey)).not.toEqual(
      Buffer.from(ResultSigner.generate().publicKey),
    );
  });

  it('refuses a missing file, a file without a key and a key of another kind with E_CONFIG', () => {
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, pemOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey));
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key');
    for (const file of [join(dir, 'missing.pem'), junk, rsa]) {
      expect(() => ResultSigner.fromPemFile(file)).toThrow(
        expect.objectContaining({ code: ErrorCode.Config }),
      );
    }
  });
});
