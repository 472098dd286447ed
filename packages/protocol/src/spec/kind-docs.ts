/**
 * What each message kind and each field means, for the generated tables of docs/protocol.md. Types,
 * ranges and optionality come from the schemas; only meanings live here. The generator refuses a schema
 * field without a meaning here and a meaning for a field no schema has, so the two cannot drift apart.
 *
 * Keys are field paths within a section: `sampling` for a field, `failures[].taskId` for a field of an
 * object inside an array that has no section of its own.
 */
import type { MessageKind } from '../kinds.js';

/** How a kind travels. */
export interface KindDoc {
  /** Subject(s) it is sent on, `<p>.v2.` left out. */
  readonly subject: string;
  /** Request/reply, publish, or reply; queue groups named. */
  readonly pattern: string;
  readonly summary: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Fields `submit` and `session.start` share: what a generation asks for. */
const generation = {
  requestId: 'Client-chosen id of the request; names its token subject `tokens.<requestId>`.',
  prompt: 'Text (the models tokenize it) or token ids.',
  maxTokens: 'Output tokens to generate at most (the stream ends with `finishReason: "length"`).',
  sampling: 'How tokens are chosen; `temperature` 0 is greedy.',
  mode: 'Orchestration: `nonsi` plain target decoding, `si` classic speculative, `dsi` distributed speculative.',
  auto: 'The `auto` mode: non-SI, SI or DSI (window and SP degree too) chosen per round from the cluster’s load; `mode` is the most it may use, and what a peer without auto runs.',
  window: 'Window policy and its starting (or fixed) draft length `k`.',
  deadlineAt: 'Absolute deadline, sender wall clock, ms since the Unix epoch; work past it is abandoned.',
  stop: 'Stop strings: generation ends before the first one to appear (text cut before it, across token boundaries) and the stream ends with `finishReason: "stop"`. Text that may be the start of a stop string is held back until resolved.',
  logprobs:
    'Report the target’s log-probability of every output token and of this many most likely alternatives per position (0: the chosen token’s only); absent: none.',
  messages:
    'A chat request’s conversation: a host whose model has a chat template renders the prompt from it; `prompt` stays the plain transcript for other hosts.',
  'messages[].role': '`system`, `user`, `assistant`, or another role the template knows.',
  'messages[].content': 'The message text.',
} as const;

export const KIND_DOCS: Readonly<Record<string, KindDoc>> = {
  submit: {
    subject: 'sched.submit',
    pattern:
      'request/reply, queue group `scheduler` (a repeat after silence: `sched.submit.<schedulerId>`, since 2.4); reply `submit.ok` or `error`',
    summary: 'Ask the scheduler to run one generation request.',
    fields: {
      ...generation,
      client:
        'Instance id of the client: the tokens go to `tokens.<client>.<host>.<requestId>`, which only that client may read.',
      pool: 'Target pool to use; the scheduler picks one when absent.',
      resume:
        'Continue a request whose host died, hung or handed it over: the output the client holds, the next chunk number and which move of the request this is. The new host generates only what follows.',
      avoid:
        'Instance ids not to place the session on (the host that just failed), while another drafter is alive to take it.',
      prefer:
        'Where the previous host asked the rest to run (`edge` or `fused`, from its `handoverTo`); honoured when a host of that kind has room.',
    },
  },
  'submit.ok': {
    subject: 'reply to `submit`',
    pattern: 'reply',
    summary: 'The request was admitted and placed; tokens arrive on `tokenSubject`.',
    fields: {
      requestId: 'The `submit`’s request id.',
      sessionId: 'Id of the session that runs the request (unique per placement).',
      drafterId:
        'Instance hosting the session: a drafter, or a verifier decoding target-only while no drafter can serve. `session.cancel` and `session.probe` go to `session.<drafterId>`.',
      pool: 'Target pool the session verifies on.',
      tokenSubject: 'Full subject the `tokens` chunks are published on.',
    },
  },
  'session.start': {
    subject: 'session.<hostId>',
    pattern: 'request/reply; reply `session.ok` or `error`',
    summary: 'The scheduler hands a request to a host (drafter), which owns it from then on.',
    fields: {
      sessionId: 'Session id chosen by the scheduler.',
      ...generation,
      pool: 'Target pool to verify on.',
      tokenSubject: 'Full subject to publish the `tokens` chunks on.',
      resume:
        'Present when the session continues another host’s work: `committed` becomes context, not output, and chunks continue at `nextSeq` and output index `committed.length`.',
      placement:
        'How the scheduler placed the session, and the thresholds the host applies to decide whether it should move while it runs.',
    },
  },
  'session.ok': {
    subject: 'reply to `session.start` or `session.probe`',
    pattern: 'reply',
    summary: 'The host runs the session.',
    fields: {
      sessionId: 'The session.',
      drafterId: 'The answering host.',
    },
  },
  'session.cancel': {
    subject: 'session.<hostId>',
    pattern: 'publish',
    summary: 'Stop a session (client gone, deadline passed, operator). Unknown sessions are ignored.',
    fields: {
      sessionId: 'The session to stop.',
      reason: 'Why, for logs and the final chunk.',
    },
  },
  'session.probe': {
    subject: 'session.<hostId>',
    pattern:
      'request/reply; reply `session.ok`, or `error` `E_UNKNOWN_SESSION`; a dead host yields no responders, a hung one a timeout',
    summary: 'Is the host still running the session? Clients probe a host whose token stream went quiet.',
    fields: {
      sessionId: 'The session asked about.',
    },
  },
  'verify.task': {
    subject: 'verify.<pool>.<hostId>',
    pattern: 'publish; the pool’s batchers subscribe to `verify.<pool>.*` in queue group `batcher-<pool>`',
    summary:
      'Drafts to check against the target. The verifier’s context is `[0, basePos)` (tokens it holds for the session), then `context`, then `drafts`. Its result goes to `result.<host>.<sessionId>`, never to a subject the sender names; a batcher refuses a task whose `host` is not the instance its subject names.',
    fields: {
      taskId: 'Task id, unique within the session; results are idempotent by it.',
      sessionId: 'The session.',
      host: 'Instance hosting the session (the subject’s `<hostId>`): where the result goes.',
      pool: 'Target pool.',
      epoch: 'Orchestration epoch the drafts belong to; it goes up on every rejection.',
      basePos:
        'Session tokens the verifier is expected to hold already (prompt and output so far). One holding fewer, or other ones (see `baseHash`), answers `E_UNKNOWN_SESSION` and the drafter resends with `basePos` 0.',
      baseHash:
        'Prefix hash (see Verification) of the first `basePos` tokens, when `basePos` > 0: the verifier’s proof that what it holds is what the task builds on (a parallel task may have left it holding another branch).',
      context: 'Tokens after `basePos` the verifier lacks, before the drafts.',
      drafts: 'Drafted tokens to verify, in order.',
      draftProbs: 'q(x) of each drafted token, shape `[drafts.length]`; absent under greedy decoding.',
      draftDist:
        'Sparse draft distribution q per draft position, for exact residual resampling; absent under greedy decoding.',
      sampling:
        'Sampling parameters; the verifier processes target distributions exactly as the drafter did.',
      attempt: 'Delivery attempt from 1; a retry keeps `taskId`, so a late duplicate result is recognisable.',
      parallel:
        'A DSI parallel task (another of the session is in flight): run only where it runs at once, else declined with `E_NO_CAPACITY`, and the session lowers its SP degree.',
      directOn:
        'Verifiers running another task of this session that the session sent them directly (`direct.<verifier>.<host>`), unseen by the batcher: it treats them as busy with the session, so a parallel task does not wait behind that task.',
      logprobs:
        'Return the target’s log-probabilities of the positions the result decides, with this many top alternatives each (the verifier then computes the distribution even under greedy decoding).',
      textFrom:
        'Session position of the first output token: where the session’s text stream starts, so a signing verifier signs the same text pieces the session sends.',
      deadlineAt: 'Absolute deadline (ms since the Unix epoch); a task past it is not started.',
      traceId:
        'The request’s W3C trace id. In the body because a batch carries tasks of many requests, so its own envelope cannot name one trace.',
    },
  },
  'verify.result': {
    subject: 'result.<hostId>.<sessionId>',
    pattern: 'publish (by the verifier, or by the batcher when the verifier did not)',
    summary: 'Outcome of one task: `accepted` drafts plus one corrected or bonus token (see Verification).',
    fields: {
      taskId: 'The task.',
      sessionId: 'The session.',
      epoch: 'The task’s epoch; results of an older epoch than the drafter’s are stale and ignored.',
      accepted: 'Drafts accepted, counted from the first.',
      token:
        'When `bonus` is false: the corrected token, replacing draft `accepted`. When true: the bonus token after all drafts.',
      bonus: 'True when every draft was accepted.',
      verifierId: 'Verifier that ran the task.',
      queueMs: 'Time the task waited at the batcher and verifier before compute, ms.',
      computeMs: 'Target compute time spent on the task, ms.',
      logprobs:
        'When the task asked: per decided position (the `accepted` drafts, then `token`), the target’s natural-log probability of that token, before temperature, top-k and top-p; shape `[accepted + 1]`.',
      topTokens:
        'With `logprobs`: the task’s `logprobs` most likely tokens per decided position, most likely first; shape `[(accepted + 1) * n]`.',
      topLogprobs: 'Log-probabilities of `topTokens`, same shape.',
      signature:
        'The verifier’s Ed25519 signature of the verified statement over the decided tokens and their text (the `accepted` drafts, then `token`) at session positions `basePos + context.length` onward (see Verified output); the session passes it on in `tokens.proofs`.',
      pieces:
        'With `signature`: the text piece of each decided token, as the statement hashes it; shape `[accepted + 1]`.',
      otherSessions:
        'Sessions other than this one the verifier serves as the result leaves (its heartbeat’s `sessions`, the asker left out): fresher than any heartbeat for the session’s next round there. A DSI session runs SI’s rounds on a batching target that others share.',
    },
  },
  batch: {
    subject: 'batch.<verifierId>',
    pattern: 'request/reply; reply `batch.result` or `error`',
    summary: 'Verify tasks from many sessions, grouped by the batcher for one verifier.',
    fields: {
      batchId: 'Batch id, unique per batcher.',
      pool: 'Target pool.',
      tasks: 'The tasks, each exactly as the drafter sent it (with `attempt` raised on a retry).',
    },
  },
  'batch.result': {
    subject: 'reply to `batch`',
    pattern: 'reply',
    summary: 'Per-task results, and per-task failures for tasks that could not run.',
    fields: {
      batchId: 'The batch.',
      results: 'Results of the tasks that ran.',
      failures: 'Tasks that could not run.',
      'failures[].taskId': 'The task.',
      'failures[].error':
        'Why; the batcher retries it elsewhere when `retryable`, else reports it to the drafter.',
      published:
        'True when the verifier already published each result on `result.<sessionId>` (the batcher only books them); absent or false, the batcher publishes them.',
    },
  },
  preempt: {
    subject: 'preempt.<hostId>.<sessionId>',
    pattern: 'publish; batchers and verifiers subscribe to `preempt.*.*` and drop only tasks of that host',
    summary:
      'Tasks of a session that no longer matter: a rejection made them stale, or the session ended. Queued ones are dropped.',
    fields: {
      sessionId: 'The session.',
      taskIds: 'Stale tasks.',
      belowEpoch: 'Every task of an epoch below this one is stale too, listed or not.',
      ended:
        'The session ended (its host sends this once, whatever it has in flight): every task of it is stale, and verifiers free its context and stop counting it among their `sessions` at once.',
    },
  },
  predraft: {
    subject: 'predraft.<drafterId>.<hostId>',
    pattern:
      'request/reply; a drafter that lends (heartbeat meta `lend`) subscribes to `predraft.<its id>.*` and answers `predraft.result`, or `E_NO_CAPACITY` when it has no slot free or sessions of its own',
    summary:
      'Pre-drafting: draft the continuation of a likely rejection (a branch) on an idle drafter while the session’s tasks are being verified.',
    fields: {
      requestId: 'The session’s id of the request, which a `predraft.drop` names.',
      sessionId: 'The session; the drafter keeps a cache per session, so its next branch reuses the prefix.',
      context:
        'The branch’s whole prefix: the sequence up to the rejected position, the guessed target token, the branch’s earlier pre-drafts.',
      n: 'Tokens to draft (fewer come back when one is the end-of-sequence token).',
      alternatives: 'Runner-ups wanted per greedy draft (sampled drafts carry their distribution instead).',
      sampling: 'How the drafts are chosen, as the session’s own drafter chooses them.',
      deadlineAt: 'Absolute deadline (ms since the Unix epoch); a request past it is not started.',
    },
  },
  'predraft.result': {
    subject: 'the request’s reply subject',
    pattern: 'reply',
    summary: 'The pre-drafted tokens, with what verification needs of the drafter’s distribution.',
    fields: {
      requestId: 'The request.',
      tokens: 'Drafted token ids.',
      width: 'Runner-ups per token in `alternatives`.',
      alternatives:
        'Greedy drafts: the drafter’s next most likely tokens at each position, most likely first; shape `[tokens.length * width]`.',
      altProbs: 'The drafter’s probability of each of `alternatives`, same shape.',
      draftDist:
        'Sampled drafts: the drafter’s processed distribution at each position (CSR, as `verify.task.draftDist`).',
      computeMs: 'Model time the request took, ms.',
    },
  },
  'predraft.drop': {
    subject: 'predraft.<drafterId>.<hostId>',
    pattern: 'publish',
    summary:
      'Pre-draft requests whose branches will never be used: the drafter stops them and frees their slots.',
    fields: {
      sessionId: 'The session.',
      requestIds: 'The requests.',
    },
  },
  tokens: {
    subject: 'tokens.<clientId>.<hostId>.<requestId>',
    pattern: 'publish, ordered by `seq`',
    summary: 'Committed output, in chunks numbered without gaps.',
    fields: {
      requestId: 'The request.',
      sessionId:
        'Session that produced the chunk. A request moved to another host has a new session; the client keeps only its current session’s chunks, so a hung host that wakes up cannot interleave.',
      seq: 'Chunk number from 0 without gaps, continuing across hosts when a request resumes.',
      index: 'Output position of `tokens[0]`.',
      tokens: 'Committed token ids.',
      text: 'Detokenized text of `tokens` (may be empty when a character spans chunks).',
      sources: 'Per token: 1 when it came from an accepted draft, 0 when the target produced it.',
      textEnds:
        'Per token: end offset (UTF-16 code units) of its text within `text`; a token that completes no character yet has an empty piece.',
      logprobs:
        'When the request asked: per token, the target’s natural-log probability of it (before temperature, top-k and top-p), computed at verification.',
      topTokens:
        'With `logprobs`: per token, the request’s `logprobs` most likely tokens at its position, most likely first; shape `[tokens.length * n]`.',
      topLogprobs: 'Log-probabilities of `topTokens`, same shape.',
      topTexts:
        'Text of each of `topTokens` detokenized on its own, same shape, so receivers without the tokenizer can name the alternatives.',
      proofs:
        'Verified statements covering `tokens`, in order, one run of tokens each (the `count`s add up to `tokens.length`); see Verified output.',
      'proofs[].verifierId': 'Verifier that signed the statement; its key is the one its heartbeats publish.',
      'proofs[].from':
        'Session position (prompt included) of the statement’s first token: output index `i` is position `promptTokens + i`.',
      'proofs[].to': 'One past the statement’s last token.',
      'proofs[].head': 'Tokens of the statement before this run, sent in earlier chunks.',
      'proofs[].count': 'Tokens of this chunk the statement covers.',
      'proofs[].rest':
        'The statement’s hash chain after the run, when the run ends before `to` (cut at a stop string or the length limit, or the rest decided by a later statement).',
      'proofs[].cut':
        'The signed text of the run’s last token when the chunk carries only its beginning (cut at a stop string); nothing follows it.',
      'proofs[].signature': 'The verifier’s Ed25519 signature of the statement.',
      trace: 'The session’s speculation timeline; on the last chunk (`done`) only.',
      promptTokens: 'Prompt length in tokens, on the first chunk, for exact usage figures.',
      done: 'Last chunk of the request.',
      handover:
        'The host stops here without finishing (`done` false, no tokens): the client resubmits with `resume`, and the scheduler places the rest anew.',
      handoverTo:
        'With `handover`: where the host asks the rest to run (`fused` when its adaptive window controller chose fused mode, `edge` when it left it); the client resubmits with it as `prefer`.',
      finishReason: 'Why the request ended; on the last chunk.',
      error: 'What failed, when `finishReason` is `error`.',
    },
  },
  heartbeat: {
    subject: 'hb.<role>.<id>',
    pattern: 'publish; membership views subscribe to `hb.>` or `hb.<role>.*`',
    summary: 'Every actor announces itself and its load at a fixed interval.',
    fields: {
      role: 'Role of the sender.',
      id: 'Instance id.',
      pool: 'Target pool, for verifiers and batchers.',
      version: 'specmesh build version of the sender (not the protocol version: that is in the envelope).',
      startedAt: 'When the instance started, ms since the Unix epoch; a restart shows as a new value.',
      seq: 'Heartbeat number of this instance, from 0.',
      intervalMs:
        'Interval the sender promises between beats, ms; receivers expire it after a few missed ones.',
      draining: 'The instance takes no new work.',
      load: 'Load figures; routing uses them (join-shortest-queue).',
      signingKey:
        'A verifier’s Ed25519 public key (32 raw bytes), which checks the statements it signs; trusted because only the verifier user may publish on `hb.verifier.<id>`.',
      meta: 'Free-form facts (model name, RTTs, ...).',
    },
  },
  error: {
    subject: 'reply to any request; or `result.<hostId>.<sessionId>` for a task that failed for good',
    pattern: 'reply or publish',
    summary: 'A typed error (codes below); the receiver rebuilds the same error class.',
    fields: {
      code: 'Stable error code; unknown codes from newer peers are treated as `E_INTERNAL`.',
      message: 'Human-readable explanation.',
      retryable: 'Whether the same request may succeed if sent again.',
      context: 'Structured facts (ids, sizes, limits, `taskId` for a failed task).',
    },
  },
  drain: {
    subject: 'ctl.<id>',
    pattern: 'request/reply; reply `drain.ok` or `error`',
    summary: 'The operator asks one instance to stop taking work, finish what it holds, and exit.',
    fields: {
      id: 'Instance the request is meant for; a mismatch is refused, so a stale id never drains another.',
      reason: 'Why, for the instance’s log.',
    },
  },
  'drain.ok': {
    subject: 'reply to `drain`',
    pattern: 'reply',
    summary: 'The instance began draining.',
    fields: {
      id: 'The instance.',
      inflight: 'Work items still in flight when the drain began.',
    },
  },
  ping: {
    subject: 'ping.<id>',
    pattern: 'request/reply; reply `pong`',
    summary:
      'Measures the round trip to one instance over NATS, along the path its messages really take (proxies, leaf nodes, routes). The body is empty; every actor answers.',
    fields: {},
  },
  pong: {
    subject: 'reply to `ping`',
    pattern: 'reply',
    summary: 'The answer to `ping`.',
    fields: {
      id: 'The instance that answered.',
    },
  },
  'metrics.get': {
    subject: 'metrics.get',
    pattern:
      'scatter-gather (every instance answers `metrics`; the sender keeps the replies of a short window)',
    summary:
      'The gateway asks every instance for its metrics, to serve the union on its `/metrics`. The body is empty; every actor answers.',
    fields: {},
  },
  metrics: {
    subject: 'reply to `metrics.get`',
    pattern: 'reply',
    summary:
      'One instance’s metrics: its prom-client registry in JSON form (`getMetricsAsJSON()`), every series labelled with its `role` and `instance`.',
    fields: {
      id: 'The instance that answered.',
      role: 'Its role.',
      families: 'Its metric families.',
      'families[].name': 'Metric family name.',
      'families[].help': 'Help text.',
      'families[].type':
        '`counter`, `gauge`, `histogram` or `summary`; a receiver skips a type it does not know.',
      'families[].values': 'The samples.',
      'families[].values[].value': 'The value; non-finite values as the strings `NaN`, `+Inf`, `-Inf`.',
      'families[].values[].labels':
        'Label name → value, `role` and `instance` included (a histogram’s `le` may be a number).',
      'families[].values[].metricName':
        'Series name when it differs from the family’s (a histogram’s `_bucket`, `_sum`, `_count`).',
    },
  },
} satisfies Partial<Record<MessageKind, KindDoc>>;

/** Objects several kinds share, documented once each. */
export const SHARED_TYPE_DOCS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Sampling: {
    temperature: '0 is greedy (argmax); otherwise logits are divided by it.',
    topK: 'Keep the k most likely tokens; 0 turns top-k off.',
    topP: 'Keep the smallest set whose probability reaches p; 1 turns top-p off.',
    seed: 'Seed of the request’s random stream (sampled decoding and rejection sampling).',
  },
  WindowSpec: {
    policy: 'Window policy: `static`, `backoff`, `threshold` or `awc`.',
    k: 'Draft tokens per verification task: fixed (`static`) or the starting value.',
  },
  Resume: {
    committed: 'Output tokens committed so far, which the new host takes as context.',
    nextSeq: 'Sequence number of the next `tokens` chunk.',
    move: 'Which move of the request this is, from 1: a scheduler answers the repeats of one move as one request, and never a later move (which may resume from the same point) with an earlier move’s session.',
  },
  SparseDraftDist: {
    offsets:
      'CSR row starts, shape `[n + 1]` for `n` draft positions: position `i` has support `tokens[offsets[i] .. offsets[i+1])`.',
    tokens: 'Support of each position’s draft distribution, concatenated, shape `[offsets[n]]`.',
    probs: 'q of each support token, aligned with `tokens`, shape `[offsets[n]]`.',
  },
  Placement: {
    kind: 'Where the session runs: `edge` a drafter; `fused` a verifier drafting with its own draft model; `target-only` a verifier decoding without drafts.',
    policy: 'The scheduler’s placement policy.',
    fusedRttMs: 'Edge round trip (ms) from which fused execution pays off when the cloud has room.',
    busyLoad: 'Pool load (work over capacity) from which the cloud counts as busy.',
  },
  Load: {
    inflight: 'Work items being processed now.',
    queued: 'Work items waiting.',
    capacity: 'Work items the instance can process at once.',
  },
  SpeculationTrace: {
    drafterId: 'Host that owned the session.',
    startedAt: 'Wall clock of the session’s start, ms since the Unix epoch; span times count from here.',
    spans: 'The timeline, in start order.',
    dropped: 'Spans recorded beyond the limit and left out.',
  },
  TraceSpan: {
    kind: '`draft`: the drafter produced `n` tokens at output position `pos`; `verify`: a task of `n` drafts.',
    start: 'Start, ms since the trace’s `startedAt`.',
    end: 'End (for `verify`: when its fate was known), ms since `startedAt`.',
    epoch: 'Orchestration epoch.',
    pos: 'Output position of the first token.',
    n: 'Tokens drafted, or drafts in the task.',
    taskId: '`verify`: the task.',
    verifierId: '`verify`: the verifier that answered.',
    accepted: '`verify`: drafts accepted, once the verdict came.',
    queueMs:
      '`verify`: how long the task waited at the verifier before its step started (from the verdict), so a round splits into hops, queueing and the step.',
    computeMs: '`verify`: how long the verifier’s step took, model call included (from the verdict).',
    outcome:
      '`verify`: `accepted` all `n` kept; `rejected` a prefix of `accepted` kept; `preempted` cancelled because an earlier task rejected what it built on; `failed` or `timeout` re-issued.',
  },
};
