/**
 * When each error code is raised, for the generated error table of docs/protocol.md. The code list and
 * each code's default `retryable` come from errors.ts; typed as a record over every code, so a code
 * without an entry does not compile.
 */
import type { ErrorCode } from '../errors.js';

export const ERROR_DOCS: Readonly<Record<ErrorCode, string>> = {
  E_DECODE: 'Not msgpack, or not an envelope (not a map; sender, id or time missing or mistyped).',
  E_VERSION:
    'Another protocol major, or a malformed `v` / `vm`. Context: `got`, `gotMinor`, `supported`, `supportedMinor`.',
  E_UNKNOWN_KIND: 'Unknown kind (possibly one a newer minor added), or a kind not expected on this subject.',
  E_SCHEMA: 'The body violates its kind’s schema; the message names the path.',
  E_TOO_LARGE: 'Over the kind’s size limit.',
  E_SUBJECT: 'An id is not a valid subject token.',
  E_DEADLINE: 'No reply in time, or the request’s deadline passed.',
  E_CANCELLED: 'Cancelled by the caller.',
  E_NO_RESPONDERS: 'Nobody serves the subject.',
  E_OVERLOADED: 'Queues full, or too many messages in flight.',
  E_NO_CAPACITY: 'No live instance of a needed role.',
  E_UNKNOWN_SESSION: 'The receiver holds no state for the session (or fewer tokens than `basePos`).',
  E_TOKEN_OUT_OF_RANGE: 'A token id outside the vocabulary.',
  E_CONFIG: 'Invalid configuration.',
  E_DRAINING: 'The instance is shutting down and takes no new work.',
  E_CONNECTION: 'NATS unreachable or closed.',
  E_MISSING: 'A required binary or file is missing.',
  E_MODEL_FILE: 'A model file is missing, truncated, not GGUF, or of an unsupported architecture.',
  E_UNVERIFIED:
    'Output tokens without a valid statement signed by a verifier whose key its heartbeats published (a drafter injected or altered them).',
  E_INTERNAL: 'Anything else; an unknown code from a newer peer maps here, keeping it as `remoteCode`.',
};
