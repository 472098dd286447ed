/**
 * Every NATS subject specmesh uses is built here and nowhere else.
 *
 * Subjects look like `<prefix>.v<version>.<area>[.<id>]`. Tokens (prefix parts, ids, roles, pools) are
 * validated so that a user-supplied id can never widen a subscription (`*`, `>`) or change the
 * subject's shape (`.`, whitespace).
 */
import { SubjectError } from './errors.js';

/** Protocol version spoken by this build. Stamped into every envelope and every subject. */
export const PROTOCOL_VERSION = 1;

/** Default subject prefix. Defaults to `specmesh`. */
export const DEFAULT_SUBJECT_PREFIX = 'specmesh';

// Printable ASCII minus the NATS separators and wildcards; kept narrow on purpose.
const TOKEN_RE = /^[A-Za-z0-9_\-:]+$/;
const MAX_TOKEN_LENGTH = 128;

/** Throws {@link SubjectError} unless `token` is a safe single subject token. */
export function assertSubjectToken(token: string, what: string): string {
  if (
    typeof token !== 'string' ||
    token.length === 0 ||
    token.length > MAX_TOKEN_LENGTH ||
    !TOKEN_RE.test(token)
  ) {
    throw new SubjectError(
      `invalid ${what} ${JSON.stringify(token)}: use 1-${MAX_TOKEN_LENGTH} characters from [A-Za-z0-9_-:]`,
      { context: { what, token: String(token) } },
    );
  }
  return token;
}

export interface SubjectsOptions {
  /** Dot-separated prefix in front of every subject, e.g. `acme.prod`. Defaults to `specmesh`. */
  prefix?: string;
  /** Protocol version placed after the prefix. Defaults to {@link PROTOCOL_VERSION}. */
  version?: number;
}

/** Roles that send heartbeats. */
export type Role = 'scheduler' | 'drafter' | 'verifier' | 'batcher' | 'gateway' | 'echo';

/**
 * `_INBOX.<name>`: where a connection of role (or NATS user) `name` receives its replies. Each role
 * has its own inbox subtree so a deployment can let each user read its own replies only
 * (infra/nats/accounts.conf): one role's credentials cannot read another's replies (admissions,
 * batch results). It is not under the subject prefix because replies are addressed by the requester.
 */
export function inboxPrefix(name: string): string {
  return `_INBOX.${assertSubjectToken(name, 'inbox name')}`;
}

/**
 * Subject builders for one prefix and protocol version. Create one per process with
 * {@link createSubjects} and pass it around; never spell a subject by hand.
 */
export interface Subjects {
  readonly prefix: string;
  readonly version: number;
  /** `<p>.v1.sched.submit`: gateway → scheduler, request/reply, queue group. */
  submit(): string;
  /** `<p>.v1.session.<drafterId>`: scheduler → drafter, request/reply. */
  session(drafterId: string): string;
  /** `<p>.v1.verify.<pool>`: drafter → batcher, publish, queue group. */
  verify(pool: string): string;
  /** `<p>.v1.batch.<verifierId>`: batcher → verifier, request/reply. */
  batch(verifierId: string): string;
  /** `<p>.v1.result.<sessionId>`: verifier/batcher → drafter, publish. */
  result(sessionId: string): string;
  /** `<p>.v1.preempt.<sessionId>`: drafter → batcher and verifiers, publish. */
  preempt(sessionId: string): string;
  /** `<p>.v1.preempt.*`: what batchers and verifiers subscribe to. */
  preemptAll(): string;
  /** `<p>.v1.tokens.<requestId>`: drafter → gateway/client, publish, ordered by sequence number. */
  tokens(requestId: string): string;
  /** `<p>.v1.hb.<role>.<id>`: heartbeat of one actor. */
  heartbeat(role: Role, id: string): string;
  /** `<p>.v1.hb.>` or `<p>.v1.hb.<role>.*`: heartbeat subscriptions of the membership view. */
  heartbeatAll(role?: Role): string;
  /** `<p>.v1.echo.<service>`: the echo service used by the demo, tests and runtime benchmark. */
  echo(service: string): string;
  /** `<p>.v1.ctl.<id>`: operator → one instance (drain), request/reply. */
  control(id: string): string;
  /** `<p>.v1.ping.<id>`: any actor → one instance, request/reply (round-trip measurement). */
  ping(id: string): string;
  /** `<p>.v1.metrics.get`: gateway → every instance, scatter-gather (each answers `metrics`). */
  metricsGet(): string;
}

/** Validates the options once and returns the subject builders. */
export function createSubjects(options: SubjectsOptions = {}): Subjects {
  const prefix = options.prefix ?? DEFAULT_SUBJECT_PREFIX;
  for (const part of prefix.split('.')) assertSubjectToken(part, 'subject prefix part');
  const version = options.version ?? PROTOCOL_VERSION;
  if (!Number.isInteger(version) || version < 1) {
    throw new SubjectError(`invalid protocol version ${version}: must be a positive integer`);
  }
  const base = `${prefix}.v${version}`;
  const one = (area: string, token: string, what: string) =>
    `${base}.${area}.${assertSubjectToken(token, what)}`;
  return Object.freeze({
    prefix,
    version,
    submit: () => `${base}.sched.submit`,
    session: (drafterId: string) => one('session', drafterId, 'drafter id'),
    verify: (pool: string) => one('verify', pool, 'pool'),
    batch: (verifierId: string) => one('batch', verifierId, 'verifier id'),
    result: (sessionId: string) => one('result', sessionId, 'session id'),
    preempt: (sessionId: string) => one('preempt', sessionId, 'session id'),
    preemptAll: () => `${base}.preempt.*`,
    tokens: (requestId: string) => one('tokens', requestId, 'request id'),
    heartbeat: (role: Role, id: string) =>
      `${base}.hb.${assertSubjectToken(role, 'role')}.${assertSubjectToken(id, 'instance id')}`,
    heartbeatAll: (role?: Role) =>
      role ? `${base}.hb.${assertSubjectToken(role, 'role')}.*` : `${base}.hb.>`,
    echo: (service: string) => one('echo', service, 'echo service'),
    control: (id: string) => one('ctl', id, 'instance id'),
    ping: (id: string) => one('ping', id, 'instance id'),
    metricsGet: () => `${base}.metrics.get`,
  });
}
