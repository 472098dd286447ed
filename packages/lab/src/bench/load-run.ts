/**
 * One run of `bench load`: a closed loop of `concurrency` clients sending `requests` greedy requests in
 * one mode, each client submitting its next request as soon as its last one ends. Every request is
 * timed on the client side (TTFT: submit to the first chunk with tokens; TPOT: the rest over the
 * tokens after the first), and its tokens are kept so outputs can be compared across modes.
 */
import { performance } from 'node:perf_hooks';
import { collect, generate } from '@specmesh/actors';
import { modeFields, type RequestMode } from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';

export interface LoadRunSpec {
  readonly mode: RequestMode;
  readonly concurrency: number;
  readonly requests: number;
  /** Tokens per request (greedy, no stop strings: every request makes exactly this many). */
  readonly tokens: number;
  /** Draft window of the fixed modes (the start for `auto`). */
  readonly k: number;
  /** Prompt of request `i` (0-based); the same `i` gets the same prompt in every mode. */
  readonly promptOf: (i: number) => string;
  /** Unique request id of request `i` in this run. */
  readonly requestIdOf: (i: number) => string;
}

/** One request as its client saw it. */
export interface LoadRequestRecord {
  readonly index: number;
  readonly tokens: readonly number[];
  /** Tokens that came from accepted drafts. */
  readonly drafted: number;
  readonly ttftMs: number;
  /** Mean time per output token after the first, ms; undefined with fewer than two tokens. */
  readonly tpotMs: number | undefined;
  /** Times the request moved host (a probe found its host hung or gone). */
  readonly moves: number;
}

/** A request that failed (a stalled stream, a refused submit): counted, not measured. */
export interface LoadRequestFailure {
  readonly index: number;
  readonly requestId: string;
  /** The drafter that held its session, when it was admitted. */
  readonly host?: string;
  readonly error: string;
}

export interface LoadRunResult {
  readonly records: LoadRequestRecord[];
  readonly failures: LoadRequestFailure[];
  /** First submit to the last request's end, ms. */
  readonly wallMs: number;
  /** Date.now() when the last request ended. */
  readonly endedAt: number;
}

/**
 * A benchmark machine may be busy (all roles share its cores): probe a quiet host late rather than
 * move requests around because a pass took long.
 */
const CLIENT_TIMEOUTS = { idleTimeoutMs: 60_000, probeAfterMs: 5_000, probeTimeoutMs: 10_000 };

async function oneRequest(
  client: Actor,
  spec: LoadRunSpec,
  i: number,
  admitted: (host: string) => void,
): Promise<LoadRequestRecord> {
  const started = performance.now();
  let first: number | undefined;
  const gen = await generate(
    client,
    {
      requestId: spec.requestIdOf(i),
      prompt: spec.promptOf(i),
      maxTokens: spec.tokens,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      ...modeFields(spec.mode),
      window: { policy: 'static', k: spec.k },
      deadlineAt: Date.now() + 600_000,
    },
    CLIENT_TIMEOUTS,
  );
  admitted(gen.accepted.drafterId);
  const timed = {
    [Symbol.asyncIterator]: async function* () {
      for await (const c of gen.chunks) {
        if (first === undefined && c.tokens.length > 0) first = performance.now();
        yield c;
      }
    },
  };
  const out = await collect({ chunks: timed });
  const end = performance.now();
  const at = first ?? end;
  let drafted = 0;
  for (const s of out.sources) drafted += s;
  return {
    index: i,
    tokens: out.tokens,
    drafted,
    ttftMs: at - started,
    tpotMs: out.tokens.length > 1 ? (end - at) / (out.tokens.length - 1) : undefined,
    moves: gen.moves,
  };
}

/**
 * Runs the closed loop; `onRequest(done)` follows it. A failed request is recorded with its error and
 * the loop goes on (its client sends the next one), so one stall does not lose the grid.
 */
export async function runClosedLoop(
  client: Actor,
  spec: LoadRunSpec,
  onRequest: (done: number) => void = () => undefined,
): Promise<LoadRunResult> {
  const records: LoadRequestRecord[] = [];
  const failures: LoadRequestFailure[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < spec.requests) {
      const i = next++;
      let host: string | undefined;
      try {
        records.push(await oneRequest(client, spec, i, (h) => (host = h)));
      } catch (err) {
        failures.push({
          index: i,
          requestId: spec.requestIdOf(i),
          ...(host ? { host } : {}),
          error: String((err as Error)?.message ?? err),
        });
      }
      onRequest(records.length + failures.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, worker));
  const wallMs = performance.now() - t0;
  records.sort((a, b) => a.index - b.index);
  return { records, failures, wallMs, endedAt: Date.now() };
}
