/**
 * Protocol versions: `major.minor`.
 *
 * The major ({@link PROTOCOL_VERSION}) is in every subject (`<p>.v1.…`) and in the envelope's `v`; the
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
export const PROTOCOL_MINOR = 5;

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
    summary: 'The protocol as published before minor versions existed; its envelopes carry no `vm`.',
    envelope: [],
  },
  {
    minor: 1,
    summary:
      'Minor versions: envelopes carry `vm`, and receivers drop the unknown body fields of a newer minor ' +
      'instead of refusing the message.',
    envelope: ['vm'],
  },
  {
    minor: 2,
    summary:
      'Placement hints: a `handover` chunk may name where the rest should run (`handoverTo`), which the ' +
      'client passes to the scheduler as `submit.prefer`. Cluster metrics: `metrics.get` on `metrics.get` ' +
      'asks every instance for its metrics, each answering `metrics` with its registry (the gateway ' +
      'serves the union on `/metrics`).',
    envelope: [],
  },
  {
    minor: 3,
    summary:
      'Speculation that follows load: `submit.auto` / `session.start.auto` ask for the `auto` mode (non-SI, ' +
      'SI or DSI chosen per round, `mode` the most it may use), and `verify.task.parallel` marks a DSI ' +
      'parallel task, which the pool runs only where it runs at once or declines with `E_NO_CAPACITY`.',
    envelope: [],
  },
  {
    minor: 4,
    summary:
      'Log-probabilities and chat messages: `submit.logprobs` / `session.start.logprobs` ask for the ' +
      "target's log-probability of every output token and its top alternatives, which `verify.task.logprobs` " +
      'asks of the verifier, `verify.result` returns for the positions it decides and `tokens` carries per ' +
      'token (`logprobs`, `topTokens`, `topLogprobs`); `verify.result` may then reach 16 KiB and ' +
      '`batch.result` 1 MiB, sizes only tasks asking for log-probabilities produce. `submit.messages` / ' +
      '`session.start.messages` carry a chat request’s conversation, which a host renders with its ' +
      "model's own chat template (`prompt` stays the plain transcript).",
    envelope: [],
  },
  {
    minor: 5,
    summary:
      'Verified output: a verifier publishes its Ed25519 public key in its heartbeats (`heartbeat.signingKey`) ' +
      'and signs the tokens each result decides (`verify.result.signature`, a verified statement over the ' +
      'session, the positions and a hash chain of the tokens); sessions pass the statements on with the ' +
      'tokens they cover (`tokens.proofs`), and clients refuse tokens no verifier signed (`E_UNVERIFIED`).',
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
