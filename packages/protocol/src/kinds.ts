/**
 * The message kinds of protocol v1: each with its body schema and the largest encoded size allowed.
 * This table is the single source the codec validates against.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { WireErrorSchema } from './messages/common.js';
import { DrainAcceptedSchema, DrainRequestSchema, PingSchema, PongSchema } from './messages/control.js';
import { HeartbeatSchema } from './messages/heartbeat.js';
import { MetricsGetSchema, MetricsReplySchema } from './messages/metrics.js';
import { PredraftDropSchema, PredraftRequestSchema, PredraftResultSchema } from './messages/predraft.js';
import {
  SessionAcceptedSchema,
  SessionCancelSchema,
  SessionProbeSchema,
  SessionStartSchema,
  SubmitAcceptedSchema,
  SubmitSchema,
} from './messages/request.js';
import { TokenChunkSchema } from './messages/stream.js';
import {
  BatchResultSchema,
  BatchSchema,
  PreemptSchema,
  VerifyResultSchema,
  VerifyTaskSchema,
} from './messages/verify.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Kind → schema and size limit. Limits stay at or below NATS's default `max_payload` (1 MiB) so
 * a message the codec accepts is one the server accepts.
 */
export const MESSAGE_KINDS = {
  submit: { schema: SubmitSchema, maxBytes: 1 * MiB },
  'submit.ok': { schema: SubmitAcceptedSchema, maxBytes: 4 * KiB },
  'session.start': { schema: SessionStartSchema, maxBytes: 1 * MiB },
  'session.ok': { schema: SessionAcceptedSchema, maxBytes: 4 * KiB },
  'session.cancel': { schema: SessionCancelSchema, maxBytes: 4 * KiB },
  'session.probe': { schema: SessionProbeSchema, maxBytes: 4 * KiB },
  'verify.task': { schema: VerifyTaskSchema, maxBytes: 768 * KiB },
  // 16 KiB since 1.4: a result with the log-probabilities a task asked for (65 positions, 20
  // alternatives each); results of tasks that ask for none stay under the 4 KiB of earlier minors.
  'verify.result': { schema: VerifyResultSchema, maxBytes: 16 * KiB },
  batch: { schema: BatchSchema, maxBytes: 1 * MiB },
  // 1 MiB since 1.4 (64 results with log-probabilities); 512 KiB before.
  'batch.result': { schema: BatchResultSchema, maxBytes: 1 * MiB },
  preempt: { schema: PreemptSchema, maxBytes: 160 * KiB },
  // Since 2.3: a branch's prefix is as long as a task's, and a sampled result's distributions as a
  // sampled task's.
  predraft: { schema: PredraftRequestSchema, maxBytes: 768 * KiB },
  'predraft.result': { schema: PredraftResultSchema, maxBytes: 768 * KiB },
  'predraft.drop': { schema: PredraftDropSchema, maxBytes: 160 * KiB },
  tokens: { schema: TokenChunkSchema, maxBytes: 256 * KiB },
  heartbeat: { schema: HeartbeatSchema, maxBytes: 16 * KiB },
  error: { schema: WireErrorSchema, maxBytes: 16 * KiB },
  drain: { schema: DrainRequestSchema, maxBytes: 4 * KiB },
  'drain.ok': { schema: DrainAcceptedSchema, maxBytes: 4 * KiB },
  ping: { schema: PingSchema, maxBytes: 1 * KiB },
  pong: { schema: PongSchema, maxBytes: 1 * KiB },
  'metrics.get': { schema: MetricsGetSchema, maxBytes: 1 * KiB },
  metrics: { schema: MetricsReplySchema, maxBytes: 1 * MiB },
} as const satisfies Record<string, { schema: TSchema; maxBytes: number }>;

export type MessageKind = keyof typeof MESSAGE_KINDS;

/** Body type of a message kind. */
export type BodyOf<K extends MessageKind> = Static<(typeof MESSAGE_KINDS)[K]['schema']>;

/** Every kind name, in table order. */
export const MESSAGE_KIND_NAMES = Object.keys(MESSAGE_KINDS) as MessageKind[];

export function isMessageKind(value: unknown): value is MessageKind {
  return typeof value === 'string' && Object.hasOwn(MESSAGE_KINDS, value);
}
