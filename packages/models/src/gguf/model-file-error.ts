/**
 * The kinds of problem a model file can have, and the one way this package reports them: a
 * {@link ModelFileError} whose message names the file and the problem and whose context carries
 * `{ path, problem }` so callers (and remote peers, through the wire form) can branch on it.
 */
import { ModelFileError } from '@specmesh/protocol';

/** What is wrong with a model file. */
export type ModelFileProblem =
  /** No file at that path. */
  | 'missing'
  /** The path exists but cannot be read as a regular file (a directory, no permission). */
  | 'unreadable'
  /** Zero bytes. */
  | 'empty'
  /** Does not start with "GGUF". */
  | 'bad-magic'
  /** A GGUF version other than 2 or 3. */
  | 'unsupported-version'
  /** The file ends before the header, metadata, tensor infos or tensor data do. */
  | 'truncated'
  /** Structurally invalid: unknown value type, misaligned tensor, missing architecture key, ... */
  | 'malformed'
  /** A tensor type id ggml does not know. */
  | 'unsupported-tensor-type'
  /** An architecture outside the allow-list. */
  | 'unsupported-architecture'
  /** The header checked out but node-llama-cpp refused to load the model. */
  | 'load-failed';

/** Builds the error for `problem` in the file at `path`; `detail` says what exactly was found. */
export function modelFileError(
  path: string,
  problem: ModelFileProblem,
  detail: string,
  cause?: unknown,
): ModelFileError {
  return new ModelFileError(`model file ${path}: ${problem}: ${detail}`, {
    context: { path, problem },
    ...(cause === undefined ? {} : { cause }),
  });
}
