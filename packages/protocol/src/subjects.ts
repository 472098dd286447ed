/**
 * Every NATS subject specmesh uses is built here and nowhere else.
 *
 * Subjects look like `<prefix>.v<version>.<area>[.<id>]`. Tokens (prefix parts, ids, roles, pools) are
 * validated so that a user-supplied id can never widen a subscription (`*`, `>`) or change the
 * subject's shape (`.`, whitespace).
 */
import { SubjectError } from './errors.js';

/**
 * Protocol version spoken by this build. Stamped into every envelope and every subject. Version 2 scopes
 * every per-session subject to the instance that hosts the session (and the token streams to the
 * client that asked), so a deployment can give each instance its own NATS user and keep tenants apart.
 */
export const PROTOCOL_VERSION = 2;

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
 * `_INBOX.<role>` or `_INBOX.<role>.<id>`: where a connection receives its replies. Each role, and each
 * instance within it, has its own inbox subtree so a deployment can let each user read its own replies
 * only (infra/nats/accounts.conf, `specmesh creds`): one instance's credentials cannot read another's
 * replies (admissions, batch results). It is not under the subject prefix because replies are
 * addressed by the requester.
 */
export function inboxPrefix(role: string, id?: string): string {
  const base = `_INBOX.${assertSubjectToken(role, 'inbox name')}`;
  return id === undefined ? base : `${base}.${assertSubjectToken(id, 'instance id')}`;
}

/**
 * The instance a scoped subject names: `verify.<pool>.<host>`, `direct.<verifier>.<host>`,
 * `predraft.<drafter>.<host>`, `result.<host>.<session>`,
 * `preempt.<host>.<session>`, `tokens.<client>.<host>.<request>`. NATS permissions decide who may
 * publish on each, so a receiver takes the sender's identity from the subject, never from the body.
 *
 * @throws SubjectError when `subject` is not one of those subjects under `subjects`' prefix.
 */
export function hostOfSubject(subjects: Subjects, subject: string): string {
  const base = `${subjects.prefix}.v${subjects.version}.`;
  const parts = subject.startsWith(base) ? subject.slice(base.length).split('.') : [];
  const at = { verify: 2, direct: 2, predraft: 2, result: 1, preempt: 1, tokens: 2 }[parts[0] ?? ''] ?? -1;
  const host = at > 0 && parts.length === (parts[0] === 'tokens' ? 4 : 3) ? parts[at] : undefined;
  if (host === undefined) {
    throw new SubjectError(`subject ${JSON.stringify(subject)} names no host instance`, {
      context: { subject },
    });
  }
  return assertSubjectToken(host, 'host id');
}

/**
 * Subject builders for one prefix and protocol version. Create one per process with
 * {@link createSubjects} and pass it around; never spell a subject by hand.
 */
export interface Subjects {
  readonly prefix: string;
  readonly version: number;
  /** `<p>.v2.sched.submit`: gateway → scheduler, request/reply, queue group. */
  submit(): string;
  /**
   * `<p>.v2.sched.submit.<schedulerId>`: gateway → one scheduler by name, request/reply (since 2.4). A
   * client sends a repeat there after an attempt through the queue group went unanswered, so it
   * cannot land on a paused scheduler that keeps its place in the group.
   */
  submitTo(schedulerId: string): string;
  /** `<p>.v2.session.<hostId>`: scheduler/client → the instance hosting a session, request/reply. */
  session(hostId: string): string;
  /** `<p>.v2.verify.<pool>.<hostId>`: a session's host → the pool's batchers, publish. */
  verify(pool: string, hostId: string): string;
  /** `<p>.v2.verify.<pool>.*`: what a pool's batchers subscribe to (queue group). */
  verifyPool(pool: string): string;
  /** `<p>.v2.batch.<verifierId>`: batcher → verifier, request/reply. */
  batch(verifierId: string): string;
  /**
   * `<p>.v2.direct.<verifierId>.<hostId>`: a session's host → the verifier holding its context, publish
   * (since 2.1). A sequential task goes straight to it while the session holds a lease there; the result
   * comes back on the session's result subject as from the batcher.
   */
  direct(verifierId: string, hostId: string): string;
  /** `<p>.v2.direct.<verifierId>.*`: what a verifier subscribes to for direct tasks. */
  directOf(verifierId: string): string;
  /**
   * `<p>.v2.predraft.<drafterId>.<hostId>`: a session's host → an idle drafter that lends its model,
   * request/reply (`predraft`) and publish (`predraft.drop`). Since 2.3.
   */
  predraft(drafterId: string, hostId: string): string;
  /** `<p>.v2.predraft.<drafterId>.*`: what a lending drafter subscribes to. */
  predraftOf(drafterId: string): string;
  /** `<p>.v2.result.<hostId>.<sessionId>`: verifier/batcher → the session's host, publish. */
  result(hostId: string, sessionId: string): string;
  /** `<p>.v2.preempt.<hostId>.<sessionId>`: a session's host → batchers and verifiers, publish. */
  preempt(hostId: string, sessionId: string): string;
  /** `<p>.v2.preempt.*.*`: what batchers and verifiers subscribe to. */
  preemptAll(): string;
  /**
   * `<p>.v2.tokens.<clientId>.<hostId>.<requestId>`: a session's host → the client that submitted the
   * request, publish, ordered by sequence number.
   */
  tokens(clientId: string, hostId: string, requestId: string): string;
  /** `<p>.v2.tokens.<clientId>.*.<requestId>`: a client's subscription to one request's stream. */
  tokensOf(clientId: string, requestId: string): string;
  /** `<p>.v2.hb.<role>.<id>`: heartbeat of one actor. */
  heartbeat(role: Role, id: string): string;
  /** `<p>.v2.hb.>` or `<p>.v2.hb.<role>.*`: heartbeat subscriptions of the membership view. */
  heartbeatAll(role?: Role): string;
  /** `<p>.v2.echo.<service>`: the echo service used by the demo, tests and runtime benchmark. */
  echo(service: string): string;
  /** `<p>.v2.ctl.<id>`: operator → one instance (drain), request/reply. */
  control(id: string): string;
  /** `<p>.v2.ping.<id>`: any actor → one instance, request/reply (round-trip measurement). */
  ping(id: string): string;
  /** `<p>.v2.metrics.get`: gateway → every instance, scatter-gather (each answers `metrics`). */
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
    submitTo: (schedulerId: string) =>
      `${base}.sched.submit.${assertSubjectToken(schedulerId, 'scheduler id')}`,
    session: (hostId: string) => one('session', hostId, 'host id'),
    verify: (pool: string, hostId: string) =>
      `${one('verify', pool, 'pool')}.${assertSubjectToken(hostId, 'host id')}`,
    verifyPool: (pool: string) => `${one('verify', pool, 'pool')}.*`,
    batch: (verifierId: string) => one('batch', verifierId, 'verifier id'),
    direct: (verifierId: string, hostId: string) =>
      `${one('direct', verifierId, 'verifier id')}.${assertSubjectToken(hostId, 'host id')}`,
    directOf: (verifierId: string) => `${one('direct', verifierId, 'verifier id')}.*`,
    predraft: (drafterId: string, hostId: string) =>
      `${one('predraft', drafterId, 'drafter id')}.${assertSubjectToken(hostId, 'host id')}`,
    predraftOf: (drafterId: string) => `${one('predraft', drafterId, 'drafter id')}.*`,
    result: (hostId: string, sessionId: string) =>
      `${one('result', hostId, 'host id')}.${assertSubjectToken(sessionId, 'session id')}`,
    preempt: (hostId: string, sessionId: string) =>
      `${one('preempt', hostId, 'host id')}.${assertSubjectToken(sessionId, 'session id')}`,
    preemptAll: () => `${base}.preempt.*.*`,
    tokens: (clientId: string, hostId: string, requestId: string) =>
      `${one('tokens', clientId, 'client id')}.${assertSubjectToken(hostId, 'host id')}.${assertSubjectToken(requestId, 'request id')}`,
    tokensOf: (clientId: string, requestId: string) =>
      `${one('tokens', clientId, 'client id')}.*.${assertSubjectToken(requestId, 'request id')}`,
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
