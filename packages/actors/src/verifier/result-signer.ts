/**
 * A verifier's signing identity: an Ed25519 key pair whose public half goes out in its heartbeats and
 * whose private half signs one verified statement per verify result (the tokens the result decides).
 * Generated at start unless a PEM file gives a stable one (`--signing-key`), so a restarted verifier
 * keeps its identity; clients learn keys from heartbeats either way.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  chainBefore,
  rawPublicKey,
  signStatement,
  signStatementAsync,
} from '@specmesh/protocol';

export class ResultSigner {
  /** Raw Ed25519 public key, as heartbeats carry it. */
  readonly publicKey: Uint8Array;
  private readonly privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    this.privateKey = privateKey;
    this.publicKey = rawPublicKey(createPublicKey(privateKey));
  }

  /** A fresh key pair: the verifier's identity lasts as long as the process. */
  static generate(): ResultSigner {
    return new ResultSigner(generateKeyPairSync('ed25519').privateKey);
  }

  /**
   * The key in a PEM file (PKCS#8 private key, as `openssl genpkey -algorithm ed25519` writes it).
   * @throws ConfigError when the file is unreadable or holds no Ed25519 private key
   */
  static fromPemFile(path: string): ResultSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(path));
    } catch (err) {
      throw new ConfigError(`signing key ${path}: ${(err as Error).message}`, { context: { path } });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new ConfigError(
        `signing key ${path} is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, not ed25519`,
        {
          context: { path },
        },
      );
    }
    return new ResultSigner(key);
  }

  /**
   * Signs what a result decides: `decided` tokens (the accepted drafts, then the corrected or bonus
   * token) with their text `pieces`, at session positions `from …`.
   */
  sign(
    verifierId: string,
    sessionId: string,
    from: number,
    decided: ArrayLike<number>,
    pieces: readonly string[],
  ): Uint8Array {
    return signStatement(this.statement(verifierId, sessionId, from, decided, pieces), this.privateKey);
  }

  /** {@link sign} with the signature computed on libuv's thread pool, off the verifier's event loop. */
  signAsync(
    verifierId: string,
    sessionId: string,
    from: number,
    decided: ArrayLike<number>,
    pieces: readonly string[],
  ): Promise<Uint8Array> {
    return signStatementAsync(this.statement(verifierId, sessionId, from, decided, pieces), this.privateKey);
  }

  private statement(
    verifierId: string,
    sessionId: string,
    from: number,
    decided: ArrayLike<number>,
    pieces: readonly string[],
  ) {
    return { verifierId, sessionId, from, to: from + decided.length, hash: chainBefore(decided, pieces) };
  }
}
