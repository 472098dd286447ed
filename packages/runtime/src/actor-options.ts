/**
 * Options of an {@link Actor}, resolved and validated once, up front.
 */
import { randomBytes } from 'node:crypto';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import {
  assertSubjectToken,
  ConfigError,
  createSubjects,
  type Load,
  type Role,
  type Subjects,
  type SubjectsOptions,
} from '@specmesh/protocol';
import type { Logger } from './logger.js';

export interface ActorOptions {
  /** Role this actor plays; names its heartbeat subject. */
  role: Role;
  /** NATS server URL(s). */
  servers: string | readonly string[];
  /** Instance id, unique in the cluster and a valid subject token. Defaults to `<role>-<8 hex digits>`. */
  id?: string;
  /** Pool the instance belongs to (verifiers, batchers). Defaults to none. */
  pool?: string;
  /** Subject prefix and protocol version. Defaults to `specmesh` and v1. */
  subjects?: SubjectsOptions;
  /** Interval between heartbeats, ms; 0 turns heartbeats off. Defaults to 1000. */
  heartbeatIntervalMs?: number;
  /** Messages handled at once; more are refused with `E_OVERLOADED`. Defaults to 1024. */
  maxInflight?: number;
  /** How long {@link Actor.drain} waits for in-flight handlers, ms. Defaults to 10000. */
  drainTimeoutMs?: number;
  /** Default deadline of {@link Actor.request}, ms. Defaults to 5000. */
  requestTimeoutMs?: number;
  /** Validate outgoing bodies against their schema (catches sender bugs; costs a little). Defaults to `true`. */
  validateOutgoing?: boolean;
  /** Load figures reported in heartbeats. Defaults to the runtime's own in-flight count. */
  load?: () => Load;
  /** Extra facts reported in heartbeats (model, RTTs, ...). */
  meta?: () => Record<string, string | number>;
  /** Public key (raw Ed25519) published in heartbeats: a verifier's, for the statements it signs. */
  signingKey?: Uint8Array;
  /** Build version reported in heartbeats. Defaults to the runtime package version. */
  version?: string;
  /** Logger; the actor logs through a child bound to its role and id. Defaults to a new pino logger. */
  logger?: Logger;
  /**
   * Name of the inbox subtree replies come back on (`_INBOX.<inbox>.<id>`). Defaults to the role, so a
   * deployment can let each instance's NATS user read its own replies only (a role's user, all of
   * the role's). `nats.inboxPrefix` overrides it.
   */
  inbox?: string;
  /** Extra NATS connection options (credentials, TLS, reconnect policy). */
  nats?: Partial<NodeConnectionOptions>;
}

/** Immutable, validated actor configuration. */
export interface ActorConfig {
  readonly role: Role;
  readonly id: string;
  readonly pool: string | undefined;
  readonly servers: readonly string[];
  readonly subjects: Subjects;
  readonly heartbeatIntervalMs: number;
  readonly maxInflight: number;
  readonly drainTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly validateOutgoing: boolean;
  readonly version: string;
}

function positiveInt(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new ConfigError(`option ${name} must be an integer ${allowZero ? '>= 0' : '>= 1'}, got ${value}`, {
      context: { option: name },
    });
  }
  return v;
}

export const RUNTIME_VERSION = '0.1.0';

/** Merges defaults and validates; every message names the offending option. */
export function resolveActorOptions(options: ActorOptions): ActorConfig {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError('option servers must name at least one NATS URL', {
      context: { option: 'servers' },
    });
  }
  const id = options.id ?? `${options.role}-${randomBytes(4).toString('hex')}`;
  assertSubjectToken(id, 'actor id');
  if (options.pool !== undefined) assertSubjectToken(options.pool, 'pool');
  return Object.freeze({
    role: options.role,
    id,
    pool: options.pool,
    servers,
    subjects: createSubjects(options.subjects),
    heartbeatIntervalMs: positiveInt('heartbeatIntervalMs', options.heartbeatIntervalMs, 1000, true),
    maxInflight: positiveInt('maxInflight', options.maxInflight, 1024),
    drainTimeoutMs: positiveInt('drainTimeoutMs', options.drainTimeoutMs, 10_000, true),
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs, 5000),
    validateOutgoing: options.validateOutgoing ?? true,
    version: options.version ?? RUNTIME_VERSION,
  });
}
