/**
 * Typed errors shared by every specmesh package.
 *
 * Every failure a user or a peer can observe is a {@link SpecmeshError} subclass with a stable `code`
 * (never renamed once released), a `retryable` flag that callers use to decide on a retry, optional
 * structured `context`, and the standard `cause`. {@link toWireError} / {@link fromWireError} carry them
 * across NATS so the other side rebuilds the same class.
 */

/** Stable error codes. Values are part of the wire protocol: add, never rename. */
export const ErrorCode = {
  /** Bytes are not valid msgpack, or not a specmesh envelope. */
  Decode: 'E_DECODE',
  /** Envelope carries a protocol version this build does not speak. */
  Version: 'E_VERSION',
  /** Envelope names a message kind this build does not know, or one not expected here. */
  UnknownKind: 'E_UNKNOWN_KIND',
  /** Message body does not match the schema of its kind. */
  Schema: 'E_SCHEMA',
  /** Encoded message is larger than its kind allows. */
  TooLarge: 'E_TOO_LARGE',
  /** A subject token is empty or contains `.`, `*`, `>` or whitespace. */
  Subject: 'E_SUBJECT',
  /** A request did not get a reply before its deadline. */
  Deadline: 'E_DEADLINE',
  /** A request was cancelled by its caller. */
  Cancelled: 'E_CANCELLED',
  /** Nobody is subscribed to the subject a request was sent to. */
  NoResponders: 'E_NO_RESPONDERS',
  /** Admission refused: queues are full. */
  Overloaded: 'E_OVERLOADED',
  /** No instance of a needed role is alive. */
  NoCapacity: 'E_NO_CAPACITY',
  /** A message refers to a session the receiver does not hold. */
  UnknownSession: 'E_UNKNOWN_SESSION',
  /** A token id is outside the model vocabulary. */
  TokenOutOfRange: 'E_TOKEN_OUT_OF_RANGE',
  /** Invalid configuration or options. */
  Config: 'E_CONFIG',
  /** The actor is shutting down and accepts no new work. */
  Draining: 'E_DRAINING',
  /** Connection to NATS failed or was lost. */
  Connection: 'E_CONNECTION',
  /** A required external binary or resource is missing. */
  Missing: 'E_MISSING',
  /** A model file is missing, truncated, not GGUF, or of an architecture no backend supports. */
  ModelFile: 'E_MODEL_FILE',
  /** Output tokens no target verified: a chunk without a valid signed statement from a known verifier. */
  Unverified: 'E_UNVERIFIED',
  /** An unexpected failure inside a handler. */
  Internal: 'E_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Structured, serialisable context attached to an error (ids, sizes, limits). */
export type ErrorContext = Readonly<Record<string, string | number | boolean | null>>;

export interface SpecmeshErrorOptions {
  /** Extra facts that help the reader (ids, sizes, limits). */
  context?: ErrorContext;
  /** The underlying error, if any. */
  cause?: unknown;
  /** Override the class default. */
  retryable?: boolean;
}

/** Base class of every specmesh error. */
export class SpecmeshError extends Error {
  override readonly name: string = 'SpecmeshError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: SpecmeshErrorOptions = {}, retryable = false) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? retryable;
    this.context = options.context ?? {};
  }
}

export class DecodeError extends SpecmeshError {
  override readonly name = 'DecodeError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Decode, message, options);
  }
}

export class VersionError extends SpecmeshError {
  override readonly name = 'VersionError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Version, message, options);
  }
}

export class UnknownKindError extends SpecmeshError {
  override readonly name = 'UnknownKindError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.UnknownKind, message, options);
  }
}

export class SchemaError extends SpecmeshError {
  override readonly name = 'SchemaError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Schema, message, options);
  }
}

export class TooLargeError extends SpecmeshError {
  override readonly name = 'TooLargeError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.TooLarge, message, options);
  }
}

export class SubjectError extends SpecmeshError {
  override readonly name = 'SubjectError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Subject, message, options);
  }
}

export class DeadlineError extends SpecmeshError {
  override readonly name = 'DeadlineError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Deadline, message, options, true);
  }
}

export class CancelledError extends SpecmeshError {
  override readonly name = 'CancelledError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Cancelled, message, options);
  }
}

export class NoRespondersError extends SpecmeshError {
  override readonly name = 'NoRespondersError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.NoResponders, message, options, true);
  }
}

export class OverloadedError extends SpecmeshError {
  override readonly name = 'OverloadedError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Overloaded, message, options, true);
  }
}

export class NoCapacityError extends SpecmeshError {
  override readonly name = 'NoCapacityError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.NoCapacity, message, options, true);
  }
}

export class UnknownSessionError extends SpecmeshError {
  override readonly name = 'UnknownSessionError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.UnknownSession, message, options);
  }
}

export class TokenOutOfRangeError extends SpecmeshError {
  override readonly name = 'TokenOutOfRangeError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.TokenOutOfRange, message, options);
  }
}

export class ConfigError extends SpecmeshError {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Config, message, options);
  }
}

export class DrainingError extends SpecmeshError {
  override readonly name = 'DrainingError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Draining, message, options, true);
  }
}

export class ConnectionError extends SpecmeshError {
  override readonly name = 'ConnectionError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Connection, message, options, true);
  }
}

export class MissingError extends SpecmeshError {
  override readonly name = 'MissingError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Missing, message, options);
  }
}

export class ModelFileError extends SpecmeshError {
  override readonly name = 'ModelFileError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.ModelFile, message, options);
  }
}

export class UnverifiedError extends SpecmeshError {
  override readonly name = 'UnverifiedError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Unverified, message, options);
  }
}

export class InternalError extends SpecmeshError {
  override readonly name = 'InternalError';
  constructor(message: string, options?: SpecmeshErrorOptions) {
    super(ErrorCode.Internal, message, options);
  }
}

type ErrorClass = new (message: string, options?: SpecmeshErrorOptions) => SpecmeshError;

/** The class each code rebuilds to on the receiving side. */
export const CLASS_BY_CODE: Readonly<Record<ErrorCode, ErrorClass>> = {
  [ErrorCode.Decode]: DecodeError,
  [ErrorCode.Version]: VersionError,
  [ErrorCode.UnknownKind]: UnknownKindError,
  [ErrorCode.Schema]: SchemaError,
  [ErrorCode.TooLarge]: TooLargeError,
  [ErrorCode.Subject]: SubjectError,
  [ErrorCode.Deadline]: DeadlineError,
  [ErrorCode.Cancelled]: CancelledError,
  [ErrorCode.NoResponders]: NoRespondersError,
  [ErrorCode.Overloaded]: OverloadedError,
  [ErrorCode.NoCapacity]: NoCapacityError,
  [ErrorCode.UnknownSession]: UnknownSessionError,
  [ErrorCode.TokenOutOfRange]: TokenOutOfRangeError,
  [ErrorCode.Config]: ConfigError,
  [ErrorCode.Draining]: DrainingError,
  [ErrorCode.Connection]: ConnectionError,
  [ErrorCode.Missing]: MissingError,
  [ErrorCode.ModelFile]: ModelFileError,
  [ErrorCode.Unverified]: UnverifiedError,
  [ErrorCode.Internal]: InternalError,
};

/** The body of an `error` message: what crosses the wire for a {@link SpecmeshError}. */
export interface WireError {
  code: string;
  message: string;
  retryable: boolean;
  context?: Record<string, string | number | boolean | null>;
}

/** Turns any thrown value into the wire form; non-specmesh errors become `E_INTERNAL`. */
export function toWireError(err: unknown): WireError {
  const e = asSpecmeshError(err);
  const wire: WireError = { code: e.code, message: e.message, retryable: e.retryable };
  if (Object.keys(e.context).length > 0) wire.context = { ...e.context };
  return wire;
}

/** Rebuilds the typed error from its wire form. Unknown codes (a newer peer) become {@link InternalError}. */
export function fromWireError(wire: WireError): SpecmeshError {
  const options: SpecmeshErrorOptions = { retryable: wire.retryable };
  if (wire.context) options.context = wire.context;
  if (!KNOWN_CODES.has(wire.code)) {
    return new InternalError(wire.message, {
      ...options,
      context: { ...wire.context, remoteCode: wire.code },
    });
  }
  const Cls = CLASS_BY_CODE[wire.code as ErrorCode];
  return new Cls(wire.message, options);
}

/** Wraps anything thrown into a {@link SpecmeshError}, keeping the original as `cause`. */
export function asSpecmeshError(err: unknown): SpecmeshError {
  if (err instanceof SpecmeshError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}

/** True when `err` is a specmesh error with the given code. */
export function hasErrorCode(err: unknown, code: ErrorCode): err is SpecmeshError {
  return err instanceof SpecmeshError && err.code === code;
}
