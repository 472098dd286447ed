export type { AnyEnvelope, CodecOptions, EncodeOptions, Envelope } from './codec.js';
export { Codec, decodeMessage, tryDecodeMessage } from './codec.js';
export type { ErrorContext, SpecmeshErrorOptions, WireError } from './errors.js';
export {
  asSpecmeshError,
  CancelledError,
  ConfigError,
  ConnectionError,
  DeadlineError,
  DecodeError,
  DrainingError,
  ErrorCode,
  fromWireError,
  hasErrorCode,
  InternalError,
  MissingError,
  ModelFileError,
  NoCapacityError,
  NoRespondersError,
  OverloadedError,
  SchemaError,
  SpecmeshError,
  SubjectError,
  TokenOutOfRangeError,
  TooLargeError,
  toWireError,
  UnknownKindError,
  UnknownSessionError,
  UnverifiedError,
  VersionError,
} from './errors.js';
export type { BodyOf, MessageKind } from './kinds.js';
export { isMessageKind, MESSAGE_KIND_NAMES, MESSAGE_KINDS } from './kinds.js';
export type { HandoverTarget, Mode, Prompt, Sampling, WindowSpec } from './messages/common.js';
export {
  HandoverTargetSchema,
  MAX_TOKENS_PER_MESSAGE,
  MAX_TOP_LOGPROBS,
  ModeSchema,
  PromptSchema,
  SamplingSchema,
  WindowSpecSchema,
} from './messages/common.js';
export type { DrainAccepted, DrainRequest, Ping, Pong } from './messages/control.js';
export { DrainAcceptedSchema, DrainRequestSchema, PingSchema, PongSchema } from './messages/control.js';
export type { Heartbeat, Load } from './messages/heartbeat.js';
export { HeartbeatSchema, LoadSchema, RoleSchema } from './messages/heartbeat.js';
export type {
  MetricFamily,
  MetricSample,
  MetricsGet,
  MetricsReply,
  MetricValue,
} from './messages/metrics.js';
export {
  MetricFamilySchema,
  MetricSampleSchema,
  MetricsGetSchema,
  MetricsReplySchema,
  MetricValueSchema,
} from './messages/metrics.js';
export type { PredraftDrop, PredraftRequest, PredraftResult } from './messages/predraft.js';
export {
  MAX_PREDRAFT_ALTERNATIVES,
  PredraftDropSchema,
  PredraftRequestSchema,
  PredraftResultSchema,
} from './messages/predraft.js';
export type {
  ChatMessage,
  Placement,
  SessionAccepted,
  SessionCancel,
  SessionProbe,
  SessionStart,
  Submit,
  SubmitAccepted,
} from './messages/request.js';
export {
  ChatMessageSchema,
  PlacementSchema,
  ResumeSchema,
  SessionAcceptedSchema,
  SessionCancelSchema,
  SessionProbeSchema,
  SessionStartSchema,
  SubmitAcceptedSchema,
  SubmitSchema,
} from './messages/request.js';
export type { FinishReason, SpeculationTrace, TokenChunk, TokenProof, TraceSpan } from './messages/stream.js';
export {
  FinishReasonSchema,
  MAX_CHUNK_TOKENS,
  MAX_TRACE_SPANS,
  SpeculationTraceSchema,
  TokenChunkSchema,
  TokenProofSchema,
  TraceSpanSchema,
} from './messages/stream.js';
export type {
  Batch,
  BatchResult,
  Preempt,
  SparseDraftDist,
  VerifyResult,
  VerifyTask,
} from './messages/verify.js';
export {
  BatchResultSchema,
  BatchSchema,
  MAX_BATCH_TASKS,
  MAX_DRAFT_TOKENS,
  MAX_PIECE_LENGTH,
  PreemptSchema,
  SparseDraftDistSchema,
  VerifyResultSchema,
  VerifyTaskSchema,
} from './messages/verify.js';
export type { EdgeSiteLinks, InstanceRole, SubjectPermissions } from './permissions.js';
export { edgeSiteLinks, instancePermissions } from './permissions.js';
export { fnv1aTokens, prefixHash } from './prefix-hash.js';
export type { RequestMode } from './request-mode.js';
export { modeFields, REQUEST_MODES, requestModeOf } from './request-mode.js';
export type { Role, Subjects, SubjectsOptions } from './subjects.js';
export {
  assertSubjectToken,
  createSubjects,
  DEFAULT_SUBJECT_PREFIX,
  hostOfSubject,
  inboxPrefix,
  PROTOCOL_VERSION,
} from './subjects.js';
export type { VerifiedStatement } from './verified-statement.js';
export {
  chainBefore,
  publicKeyFromRaw,
  rawPublicKey,
  SIGNING_KEY_BYTES,
  STATEMENT_HASH_BYTES,
  STATEMENT_SIGNATURE_BYTES,
  signStatement,
  signStatementAsync,
  statementBytes,
  statementSignedBy,
  statementSignedByAsync,
} from './verified-statement.js';
export type { MinorRelease, ProtocolVersion } from './versioning.js';
export { MINOR_RELEASES, PROTOCOL_MINOR } from './versioning.js';
