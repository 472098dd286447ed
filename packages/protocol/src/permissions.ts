/**
 * What each instance may publish and subscribe to: the subject table of docs/protocol.md as NATS
 * permissions, for one NATS user per instance (`specmesh creds` writes them into an accounts file).
 *
 * Every per-session subject names the instance hosting the session (and a token stream also the
 * client), so an instance is allowed its own subjects only: a drafter reads the prompts and results of
 * the sessions placed on it and writes only their tasks, preempts and streams; a verifier reads only
 * the batches sent to it; a gateway reads only the streams of its own requests. Heartbeats (load
 * figures, verifiers' public keys) stay readable by all: they carry no one's data.
 */
import type { Role, Subjects } from './subjects.js';

/** Roles that run as cluster instances with their own NATS user. */
export type InstanceRole = Exclude<Role, 'echo'>;

/** One NATS user's permissions. */
export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** Whether the user may answer the requests it receives (NATS `allow_responses`). */
  readonly allowResponses: boolean;
}

/**
 * The subjects every instance uses: its heartbeat, everyone's heartbeats (membership), its control
 * subject (drain), pings (round trips; answering its own), the gateway's `metrics.get`, its inbox.
 */
function common(s: Subjects, role: InstanceRole, id: string) {
  return {
    publish: [s.heartbeat(role, id), wildcard(s.ping('x'))],
    subscribe: [s.heartbeatAll(), s.control(id), s.ping(id), s.metricsGet(), `_INBOX.${role}.${id}.>`],
  };
}

/** `subject` with its last token replaced by `*` (builders refuse wildcards as ids, on purpose). */
function wildcard(subject: string, tokens = 1): string {
  const parts = subject.split('.');
  for (let i = parts.length - tokens; i < parts.length; i++) parts[i] = '*';
  return parts.join('.');
}

/** What a session's host (a drafter, or a verifier hosting fused or target-only sessions) sends and reads. */
function hostSubjects(s: Subjects, id: string) {
  return {
    // `verify.<any pool>.<id>`, `direct.<any verifier>.<id>`, `preempt.<id>.*`, `tokens.<any client>.<id>.*`.
    publish: [
      swapToken(s.verify('pool', id), -2, '*'),
      swapToken(s.direct('verifier', id), -2, '*'),
      wildcard(s.preempt(id, 'x')),
      swapToken(swapToken(s.tokens('client', id, 'x'), -3, '*'), -1, '*'),
    ],
    subscribe: [s.session(id), wildcard(s.result(id, 'x'))],
  };
}

/** `subject` with the token at `index` (negative: from the end) replaced by `token`. */
function swapToken(subject: string, index: number, token: string): string {
  const parts = subject.split('.');
  parts[parts.length + index] = token;
  return parts.join('.');
}

/**
 * The permissions of instance `id` of `role`. Operators (`specmesh status`, `drain`) are one shared
 * user: `id` names it and its inbox subtree is `_INBOX.operator.>`.
 */
export function instancePermissions(
  s: Subjects,
  role: InstanceRole | 'operator',
  id: string,
): SubjectPermissions {
  if (role === 'operator') {
    return {
      publish: [wildcard(s.control('x')), wildcard(s.ping('x')), s.metricsGet()],
      subscribe: [s.heartbeatAll(), wildcard(s.ping('x')), s.metricsGet(), '_INBOX.operator.>'],
      allowResponses: true,
    };
  }
  const c = common(s, role, id);
  const host = hostSubjects(s, id);
  const allOf = (...lists: (readonly string[])[]) => [...new Set(lists.flat())];
  switch (role) {
    case 'scheduler':
      return {
        publish: allOf([wildcard(s.session('x'))], c.publish),
        subscribe: allOf([s.submit()], c.subscribe),
        allowResponses: true,
      };
    case 'batcher':
      return {
        publish: allOf([wildcard(s.batch('x')), wildcard(s.result('x', 'y'), 2)], c.publish),
        subscribe: allOf([wildcard(s.verify('x', 'y'), 2), s.preemptAll()], c.subscribe),
        allowResponses: true,
      };
    case 'verifier':
      return {
        publish: allOf([wildcard(s.result('x', 'y'), 2)], host.publish, c.publish),
        subscribe: allOf([s.batch(id), s.directOf(id), s.preemptAll()], host.subscribe, c.subscribe),
        allowResponses: true,
      };
    case 'drafter':
      // Pre-drafting: it asks other drafters as `predraft.<any>.<id>`, and lends on `predraft.<id>.*`.
      return {
        publish: allOf([swapToken(s.predraft('drafter', id), -2, '*')], host.publish, c.publish),
        subscribe: allOf([s.predraftOf(id)], host.subscribe, c.subscribe),
        allowResponses: true,
      };
    case 'gateway':
      return {
        publish: allOf([s.submit(), wildcard(s.session('x')), s.metricsGet()], c.publish),
        subscribe: allOf([s.tokensOf(id, 'x').replace(/\.\*\.x$/, '.>')], c.subscribe),
        allowResponses: true,
      };
  }
}

/**
 * What may cross the leaf link of an edge site that runs `drafters`. A leaf connection carries what
 * the site's local clients send, authenticated or not, so this bound is what keeps a site's machines
 * to drafters' work. What the site reads is its own drafters' only: their sessions, results, control,
 * pings and replies. What it sends is a drafter's kinds of message, but with any host in the subject:
 * across a leaf link the cloud's interest reaches the site only where the link's user may publish all
 * of it (a batcher's `verify.<pool>.*`, a verifier's `direct.<verifier>.*`, a gateway's `tokens.<gw>.*.<request>`, the membership's
 * `hb.<role>.*`), so a site's claims of host are checked by the receivers, not by NATS: a session's id
 * (96 random bits, read only by its host) is what a task, a preempt or a chunk must name, and tokens no
 * verifier signed are refused by clients. Responses cannot be allowed per request across a leaf link,
 * so it may publish to inboxes (only to requests it received can it know one: they are random).
 * A site's drafters may ask the cloud's drafters for pre-drafts, but never lend: a pre-draft carries
 * a session's prefix, which must not reach a machine the cloud does not control.
 */
export function leafPermissions(s: Subjects, drafters: readonly string[]): SubjectPermissions {
  const each = drafters.map((id) => instancePermissions(s, 'drafter', id));
  const lending = new Set(drafters.map((id) => s.predraftOf(id)));
  return {
    publish: [
      wildcard(s.verify('x', 'y'), 2),
      wildcard(s.direct('x', 'y'), 2),
      wildcard(s.preempt('x', 'y'), 2),
      wildcard(s.predraft('x', 'y'), 2),
      wildcard(s.tokens('x', 'y', 'z'), 3),
      wildcard(s.heartbeat('drafter', 'x')),
      wildcard(s.ping('x')),
      '_INBOX.>',
    ],
    subscribe: [...new Set(each.flatMap((p) => p.subscribe))].filter((subject) => !lending.has(subject)),
    allowResponses: false,
  };
}
