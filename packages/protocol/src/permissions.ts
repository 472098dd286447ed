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
import { inboxPrefix, type Role, type Subjects } from './subjects.js';

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
        subscribe: allOf([s.submit(), s.submitTo(id)], c.subscribe),
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
        publish: allOf(
          [s.submit(), wildcard(s.submitTo('x')), wildcard(s.session('x')), s.metricsGet()],
          c.publish,
        ),
        subscribe: allOf([s.tokensOf(id, 'x').replace(/\.\*\.x$/, '.>')], c.subscribe),
        allowResponses: true,
      };
  }
}

/**
 * What crosses between the cloud and an edge site that runs `drafters`, for the site's own NATS
 * account (`specmesh creds --edge`). A leaf connection carries whatever the site's machines send,
 * authenticated or not, and the cloud does not control them. Permissions on the link's user cannot
 * bound its writes to the site's own hosts: across a leaf link the cloud's wildcard interest (a
 * batcher's `verify.<pool>.*`) reaches the site only where the user may publish all of it. So the
 * site lives in an account of its own, and only these subjects cross, as NATS exports and imports:
 * nothing else the site publishes has a subscriber, and nothing else of the cloud's reaches it.
 *
 * The site sends its drafters' own tasks, preempts, token streams and heartbeats (streams), and
 * answers the sessions placed on its drafters and their drains (services: replies cross back on their
 * own). It receives its drafters' results and the cloud roles' heartbeats (streams), and sends pings
 * to the cloud (a service: drafters measure their round trip to the verifiers). Not crossing, because
 * NATS refuses the cycles they would form with the above: the cloud drafters' heartbeats (so a site's
 * drafters never pre-draft on the cloud's, and never lend to it either: a pre-draft carries a
 * session's prefix) and pings to the site's drafters. `metrics.get` does not cross either (a
 * scatter-gather has no reply path between accounts); scrape a site's drafters at their
 * `--metrics-port`.
 */
export interface EdgeSiteLinks {
  /** Streams the site sends the cloud. */
  readonly siteStreams: readonly string[];
  /** Requests the cloud sends the site, which its drafters answer. */
  readonly siteServices: readonly string[];
  /** Streams the cloud sends the site. */
  readonly cloudStreams: readonly string[];
  /** Requests the site sends the cloud. */
  readonly cloudServices: readonly string[];
  /**
   * The leaf user's permissions in the site's account: the same bound once more, so a subscription
   * or publish outside it is refused outright (replies to the cloud's requests go to `_R_.>`, the
   * reply subjects NATS maps service requests to between accounts).
   */
  readonly leaf: SubjectPermissions;
}

/** Roles whose heartbeats an edge site reads: every role that runs in the cloud. */
const CLOUD_ROLES: readonly InstanceRole[] = ['scheduler', 'batcher', 'verifier', 'gateway'];

/** The subjects that cross between the cloud and the edge site running `drafters` (see above). */
export function edgeSiteLinks(s: Subjects, drafters: readonly string[]): EdgeSiteLinks {
  const each = <T>(f: (id: string) => T[]) => [...new Set(drafters.flatMap(f))];
  const siteStreams = each((id) => [...hostSubjects(s, id).publish, s.heartbeat('drafter', id)]);
  const siteServices = each((id) => [s.session(id), s.control(id)]);
  const cloudStreams = [
    ...each((id) => [wildcard(s.result(id, 'x'))]),
    ...CLOUD_ROLES.map((role) => s.heartbeatAll(role)),
  ];
  const cloudServices = [wildcard(s.ping('x'))];
  return {
    siteStreams,
    siteServices,
    cloudStreams,
    cloudServices,
    leaf: {
      publish: [...siteStreams, ...cloudServices, '_R_.>'],
      subscribe: [...cloudStreams, ...siteServices, ...each((id) => [`${inboxPrefix('drafter', id)}.>`])],
      allowResponses: false,
    },
  };
}
