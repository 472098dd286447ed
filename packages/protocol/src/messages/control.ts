/** Operator control of one instance (`specmesh drain <instance>`), on `<p>.v2.ctl.<id>`. */
import { type Static, Type } from '@sinclair/typebox';
import { Count, Id } from './common.js';

/** `drain`: asks the instance to stop taking work, finish what it holds, and exit. */
export const DrainRequestSchema = Type.Object(
  {
    /** Instance the request is meant for; a mismatch is refused, so a stale id never drains another. */
    id: Id,
    /** Why, for the instance's log. */
    reason: Type.String({ maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type DrainRequest = Static<typeof DrainRequestSchema>;

/** `drain.ok`: the instance has started draining. */
export const DrainAcceptedSchema = Type.Object(
  {
    id: Id,
    /** Work items still in flight when the drain began. */
    inflight: Count,
  },
  { additionalProperties: false },
);
export type DrainAccepted = Static<typeof DrainAcceptedSchema>;

/**
 * `ping`, on `<p>.v2.ping.<id>`: measures the round trip to one instance over NATS (the path its
 * messages really take: proxies, leaf nodes, routes). Every actor answers with `pong`.
 */
export const PingSchema = Type.Object({}, { additionalProperties: false });
export type Ping = Static<typeof PingSchema>;

/** `pong`: the answer to `ping`, naming who answered. */
export const PongSchema = Type.Object({ id: Id }, { additionalProperties: false });
export type Pong = Static<typeof PongSchema>;
