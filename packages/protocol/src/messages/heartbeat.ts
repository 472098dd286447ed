/** Heartbeats: every actor announces itself and its load; membership views are built from them. */
import { type Static, Type } from '@sinclair/typebox';
import { Count, EpochMs, Id } from './common.js';

export const RoleSchema = Type.Union([
  Type.Literal('scheduler'),
  Type.Literal('drafter'),
  Type.Literal('verifier'),
  Type.Literal('batcher'),
  Type.Literal('gateway'),
  Type.Literal('echo'),
]);

/** Load figures an actor reports; routing uses them (join-shortest-queue). */
export const LoadSchema = Type.Object(
  {
    /** Work items being processed now. */
    inflight: Count,
    /** Work items waiting. */
    queued: Count,
    /** Work items the actor can process at once. */
    capacity: Count,
  },
  { additionalProperties: false },
);
export type Load = Static<typeof LoadSchema>;

/** `heartbeat` */
export const HeartbeatSchema = Type.Object(
  {
    role: RoleSchema,
    id: Id,
    pool: Type.Optional(Id),
    /** specmesh build version of the sender. */
    version: Type.String({ maxLength: 64 }),
    startedAt: EpochMs,
    /** Heartbeat sequence number of this instance, from 0. */
    seq: Count,
    /** Interval the sender promises between beats, ms; receivers expire it after a few missed ones. */
    intervalMs: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    draining: Type.Boolean(),
    load: LoadSchema,
    /**
     * A verifier's Ed25519 public key (32 raw bytes), with which it signs the tokens it verifies
     * (`verify.result.signature`); clients trust it because only the verifier user may publish on
     * `hb.verifier.<id>`. Since 1.5.
     */
    signingKey: Type.Optional(Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 })),
    /** Free-form numeric or text facts (model name, RTTs, ...). */
    meta: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 64 }),
        Type.Union([Type.String({ maxLength: 256 }), Type.Number()]),
      ),
    ),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof HeartbeatSchema>;
