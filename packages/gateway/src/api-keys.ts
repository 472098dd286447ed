/**
 * The API keys a gateway accepts, and the check of one `Authorization` header against them.
 *
 * Keys are kept as SHA-256 digests only, so a heap dump or a logged config shows no key, and every
 * comparison is between two 32-byte digests with `timingSafeEqual`: neither the length of a key nor
 * how many leading characters a guess got right shows in the response time. With several keys every
 * one is compared, match or not, for the same reason.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@specmesh/protocol';

/** Shortest key accepted: a short key is guessable whatever the comparison. */
export const MIN_API_KEY_LENGTH = 16;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A set of accepted API keys (as digests). */
export class ApiKeySet {
  private readonly digests: readonly Buffer[];

  /**
   * @param keys the accepted keys, at least one, each at least {@link MIN_API_KEY_LENGTH} characters
   *   without whitespace.
   * @param source where the keys came from, for error messages (`--api-key-file /etc/...`).
   * @throws ConfigError naming `source` for an empty set or a malformed key (never printing the key).
   */
  constructor(keys: readonly string[], source = 'apiKeys') {
    if (keys.length === 0) {
      throw new ConfigError(`${source}: no API key given (one key per line)`, {
        context: { option: 'api-key-file' },
      });
    }
    keys.forEach((key, i) => {
      if (key.length < MIN_API_KEY_LENGTH || /\s/.test(key)) {
        throw new ConfigError(
          `${source}: key ${i + 1} must be at least ${MIN_API_KEY_LENGTH} characters without whitespace`,
          { context: { option: 'api-key-file', key: i + 1 } },
        );
      }
    });
    this.digests = Object.freeze(keys.map(digest));
  }

  /** Number of accepted keys. */
  get size(): number {
    return this.digests.length;
  }

  /** True when `key` is one of the accepted keys. Takes the same time whichever key matches, if any. */
  accepts(key: string): boolean {
    const d = digest(key);
    let match = false;
    for (const k of this.digests) match = timingSafeEqual(d, k) || match;
    return match;
  }

  /** True when an `Authorization` header value is `Bearer <an accepted key>`. */
  acceptsHeader(header: string | undefined): boolean {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    // Compare even without a well-formed header, so a missing key costs the same as a wrong one.
    const ok = this.accepts(m?.[1] ?? '');
    return m !== null && ok;
  }
}

/**
 * Reads the keys of an API key file: one key per line; blank lines and lines starting with `#` are
 * skipped; surrounding whitespace is trimmed (files edited by hand end in newlines).
 * @throws ConfigError naming the file when it cannot be read.
 */
export function readApiKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`--api-key-file: cannot read ${path}: ${(cause as Error).message}`, {
      cause,
      context: { option: 'api-key-file' },
    });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}
