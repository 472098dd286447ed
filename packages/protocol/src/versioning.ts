/**
 * Protocol versions: `major.minor`.
 *
 * The major ({@link PROTOCOL_VERSION}) is in every subject (`<p>.v2.…`) and in the envelope's `v`; the
 * minor is the envelope's optional `vm` (absent = 0). Peers of one major interoperate whatever their
 * minors, because a minor may only *add*: optional body fields whose absence leaves a message's
 * meaning intact, new kinds, new envelope keys. Anything else (a new required field, a removed or
 * retyped field, a new enum value, a narrower range) needs a new major, which lives on other subjects.
 *
 * What a receiver does with each version (see the codec):
 *   other major                → refused, `E_VERSION` ({@link VersionError} with both versions);
 *   same major, older minor    → accepted: it lacks only optional fields added later;
 *   same major, same minor     → accepted; unknown body fields are `E_SCHEMA` (a sender bug);
 *   same major, newer minor    → unknown body fields (the newer minor's additions) are dropped, at
 *                                every closed object level, before validation; the rest is validated
 *                                as strictly as ever.
 */
import { VersionError } from './errors.js';
import { PROTOCOL_VERSION } from './subjects.js';

/** Minor version spoken by this build, stamped as `vm` in every envelope. */
export const PROTOCOL_MINOR = 4;

/** A sender's protocol version, as its envelope states it. */
export interface ProtocolVersion {
  readonly major: number;
  /** 0 when the envelope has no `vm` (a sender from before minors existed). */
  readonly minor: number;
}

/**
 * One minor version of the current major. Which kinds and fields each minor has is recorded in
 * `fixtures/schemas/<major>.<minor>.json` (written by `npm run fixtures:protocol`); a test checks the
 * schemas stay compatible with every earlier minor's, and the documentation's "since" column comes
 * from them.
 */
export interface MinorRelease {
  readonly minor: number;
  readonly summary: string;
  /** Envelope keys added. */
  readonly envelope: readonly string[];
}

/** Every minor of the current major, oldest first. Add an entry when {@link PROTOCOL_MINOR} goes up. */
export const MINOR_RELEASES: readonly MinorRelease[] = [
  {
    minor: 0,
    summary:
      'Tenants apart: every per-session subject names the instance hosting the session ' +
      '(`verify.<pool>.<host>`, `result.<host>.<session>`, `preempt.<host>.<session>`) and token streams ' +
      'also the client that asked (`tokens.<client>.<host>.<request>`, from the new `submit.client`); ' +
      "`verify.task.host` names the session's host, which a batcher checks against the subject. With one " +
      'NATS user per instance (`specmesh creds`), an instance reads only the prompts, results and replies ' +
      'of its own sessions and writes only their streams, and a client reads only its own requests. ' +
      'Everything of v1.5 is kept otherwise (v1 minors: fixtures/schemas/1.*.json).',
    envelope: ['vm'],
  },
  {
    minor: 1,
    summary:
      'Direct verification: a verifier that says `direct: 1` in its heartbeat meta takes verify tasks ' +
      "straight from a session's host on `direct.<verifier>.<host>` (the host checked against the subject, as " +
      "a batcher does) and answers on the session's result subject, failures included. A session sends its " +
      'sequential tasks there while it holds a lease on that verifier (the one that answered its last), and ' +
      'the batcher keeps placement, parallel tasks and re-dispatch; with no batcher answering, a session ' +
      'sends its task to a verifier of its own choosing. No message kind changes.',
    envelope: [],
  },
  {
    minor: 2,
    summary:
      'Direct parallel tasks: a verifier that says `directParallel: 1` in its heartbeat meta also takes DSI ' +
      "parallel tasks on `direct.<verifier>.<host>`, and runs one only if it starts at once by the verifier's " +
      'figures of that moment (no task of its session there, nothing waiting for a slot, room below a ' +
      "batching target's knee or an idle target); otherwise it answers `E_NO_CAPACITY` with context " +
      '`declined: true` at once, as a batcher declines one. A session sends its parallel tasks to such a ' +
      'verifier running none of its tasks, and through the batcher otherwise. No message or field changes.',
    envelope: [],
  },
  {
    minor: 3,
    summary:
      'Pre-drafting between drafters: a drafter that says `lend: <slots>` in its heartbeat meta (0 while ' +
      "it hosts sessions of its own) drafts for other drafters' sessions, that many requests at once. " +
      "A session's host asks it on `predraft.<drafter>.<host>` (`predraft`, request/reply, answered by " +
      '`predraft.result` or `E_NO_CAPACITY`) for the continuation of a likely rejection, and stops ' +
      'requests whose branches died with `predraft.drop` on the same subject. New kinds only.',
    envelope: [],
  },
  {
    minor: 4,
    summary:
      'Submits by name: a scheduler also answers `submit` on `sched.submit.<its id>` (no queue group). A ' +
      'client whose attempt through the queue group went unanswered sends the repeat to a scheduler by ' +
      'name, one that answered or beat lately and was not silent for this request, since a paused ' +
      'scheduler keeps its place in the group. An older scheduler has no responders there, and the ' +
      'client goes back to the group. A verdict says how many other sessions its verifier serves ' +
      '(`verify.result.otherSessions`), and a session that ends says so to the verifiers ' +
      '(`preempt.ended`), which free its context at once. A resumed request says which move it is ' +
      '(`resume.move`), so a scheduler never answers a later move with an earlier one’s session.',
    envelope: [],
  },
];

function isVersionNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/**
 * Reads and checks the version of a raw envelope (`v`, `vm`).
 *
 * @throws VersionError (`E_VERSION`) when `v` is missing, malformed or another major, or `vm` is
 *   malformed. Its context carries `got`, `gotMinor`, `supported` and `supportedMinor`.
 */
export function checkVersion(wire: Readonly<Record<string, unknown>>): ProtocolVersion {
  const v = wire['v'];
  const vm = wire['vm'];
  const minor = vm === undefined ? 0 : vm;
  if (v === PROTOCOL_VERSION && isVersionNumber(minor)) return { major: v, minor };
  const shown = (x: unknown) => (typeof x === 'number' ? x : String(x));
  const what =
    v === PROTOCOL_VERSION
      ? `minor version ${JSON.stringify(vm)} is not a non-negative integer`
      : `protocol version ${String(v)}${isVersionNumber(minor) ? `.${minor}` : ''} is not supported`;
  throw new VersionError(
    `${what} (this build speaks v${PROTOCOL_VERSION}.${PROTOCOL_MINOR} and accepts any v${PROTOCOL_VERSION}.x)`,
    {
      context: {
        got: shown(v),
        gotMinor: shown(minor),
        supported: PROTOCOL_VERSION,
        supportedMinor: PROTOCOL_MINOR,
      },
    },
  );
}
