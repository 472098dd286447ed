/**
 * One valid, realistic body per message kind. Used by tests (round trips, golden bytes, fuzzing), by
 * the runtime benchmark and by the demo. Deterministic: no clock, no randomness.
 */
import type { BodyOf, MessageKind } from './kinds.js';

const sampling = { temperature: 0.8, topK: 8, topP: 0.95, seed: 42 };

/** A verify task of `drafts` tokens with a sparse draft distribution of `support` entries per position. */
export function sampleVerifyTask(drafts = 8, support = 8, contextTokens = 16): BodyOf<'verify.task'> {
  const offsets = new Uint32Array(drafts + 1);
  const tokens = new Uint32Array(drafts * support);
  const probs = new Float32Array(drafts * support);
  for (let i = 0; i < drafts; i++) {
    offsets[i + 1] = (i + 1) * support;
    for (let j = 0; j < support; j++) {
      tokens[i * support + j] = (i * 7919 + j * 104_729) % 32_000;
      probs[i * support + j] = j === 0 ? 0.6 : 0.4 / (support - 1);
    }
  }
  return {
    taskId: 'sess-1:t:3',
    sessionId: 'sess-1',
    host: 'drafter-a',
    pool: 'default',
    epoch: 2,
    basePos: 120,
    context: Uint32Array.from({ length: contextTokens }, (_, i) => 1000 + i),
    drafts: Uint32Array.from({ length: drafts }, (_, i) => tokens[i * support]!),
    draftProbs: Float32Array.from({ length: drafts }, () => 0.6),
    draftDist: { offsets, tokens, probs },
    sampling,
    attempt: 1,
    deadlineAt: 1_700_000_000_000,
  };
}

export function sampleVerifyResult(): BodyOf<'verify.result'> {
  return {
    taskId: 'sess-1:t:3',
    sessionId: 'sess-1',
    epoch: 2,
    accepted: 5,
    token: 31_999,
    bonus: false,
    verifierId: 'verifier-a',
    queueMs: 0.25,
    computeMs: 3.5,
  };
}

/** One valid body for every message kind. */
export function sampleBodies(): { [K in MessageKind]: BodyOf<K> } {
  const window = { policy: 'static', k: 5 };
  return {
    submit: {
      requestId: 'req-1',
      prompt: 'The quick brown fox',
      maxTokens: 64,
      sampling,
      mode: 'dsi',
      window,
      deadlineAt: 1_700_000_030_000,
      stop: ['\n\n'],
      client: 'gateway-a',
    },
    'submit.ok': {
      requestId: 'req-1',
      sessionId: 'sess-1',
      drafterId: 'drafter-a',
      pool: 'default',
      tokenSubject: 'specmesh.v2.tokens.gateway-a.drafter-a.req-1',
    },
    'session.start': {
      sessionId: 'sess-1',
      requestId: 'req-1',
      prompt: Uint32Array.of(1, 450, 4996, 17_354, 1701),
      maxTokens: 64,
      sampling,
      mode: 'si',
      window,
      pool: 'default',
      tokenSubject: 'specmesh.v2.tokens.gateway-a.drafter-a.req-1',
      resume: { committed: Uint32Array.of(29_871, 432), nextSeq: 2 },
    },
    'session.probe': { sessionId: 'sess-1' },
    ping: {},
    pong: { id: 'verifier-a' },
    'metrics.get': {},
    metrics: {
      id: 'verifier-a',
      role: 'verifier',
      families: [
        {
          name: 'specmesh_messages_received_total',
          help: 'Messages received',
          type: 'counter',
          values: [{ value: 12, labels: { kind: 'batch', role: 'verifier', instance: 'verifier-a' } }],
        },
        {
          name: 'specmesh_request_seconds',
          help: 'Round trip of outgoing requests',
          type: 'histogram',
          values: [
            {
              value: 3,
              labels: { le: 0.001, role: 'verifier', instance: 'verifier-a' },
              metricName: 'specmesh_request_seconds_bucket',
            },
            {
              value: 4,
              labels: { le: '+Inf', role: 'verifier', instance: 'verifier-a' },
              metricName: 'specmesh_request_seconds_bucket',
            },
            {
              value: 0.0042,
              labels: { role: 'verifier', instance: 'verifier-a' },
              metricName: 'specmesh_request_seconds_sum',
            },
            {
              value: 4,
              labels: { role: 'verifier', instance: 'verifier-a' },
              metricName: 'specmesh_request_seconds_count',
            },
          ],
        },
        {
          name: 'specmesh_example_ratio',
          help: 'A gauge not yet set',
          type: 'gauge',
          values: [{ value: 'NaN', labels: {} }],
        },
      ],
    },
    'session.ok': { sessionId: 'sess-1', drafterId: 'drafter-a' },
    'session.cancel': { sessionId: 'sess-1', reason: 'client disconnected' },
    'verify.task': sampleVerifyTask(),
    'verify.result': sampleVerifyResult(),
    batch: { batchId: 'b-1', pool: 'default', tasks: [sampleVerifyTask(4, 4, 2), sampleVerifyTask(2, 2, 0)] },
    'batch.result': {
      batchId: 'b-1',
      results: [sampleVerifyResult()],
      failures: [
        {
          taskId: 'sess-2:t:1',
          error: { code: 'E_UNKNOWN_SESSION', message: 'no state for sess-2', retryable: false },
        },
      ],
    },
    preempt: { sessionId: 'sess-1', taskIds: ['sess-1:t:4', 'sess-1:t:5'], belowEpoch: 3 },
    predraft: {
      requestId: 'sess-1:tp7',
      sessionId: 'sess-1',
      context: Uint32Array.of(1, 450, 278, 9_021),
      n: 3,
      alternatives: 2,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 42 },
      deadlineAt: 1_767_225_600_000,
    },
    'predraft.result': {
      requestId: 'sess-1:tp7',
      tokens: Uint32Array.of(311, 512, 77),
      width: 2,
      alternatives: Uint32Array.of(90, 91, 513, 514, 78, 79),
      altProbs: Float32Array.of(0.25, 0.125, 0.5, 0.0625, 0.25, 0.25),
      computeMs: 6.5,
    },
    'predraft.drop': { sessionId: 'sess-1', requestIds: ['sess-1:tp7', 'sess-1:tp8'] },
    tokens: {
      requestId: 'req-1',
      seq: 3,
      index: 12,
      tokens: Uint32Array.of(278, 17_354),
      text: ' jumps over',
      sources: Uint8Array.of(1, 0),
      done: false,
    },
    heartbeat: {
      role: 'verifier',
      id: 'verifier-a',
      pool: 'default',
      version: '0.1.0',
      startedAt: 1_700_000_000_000,
      seq: 17,
      intervalMs: 1000,
      draining: false,
      load: { inflight: 2, queued: 5, capacity: 4 },
      meta: { model: 'emulated', rttMs: 0.4 },
    },
    error: {
      code: 'E_OVERLOADED',
      message: 'scheduler queue is full (256)',
      retryable: true,
      context: { limit: 256 },
    },
    drain: { id: 'verifier-a', reason: 'maintenance' },
    'drain.ok': { id: 'verifier-a', inflight: 2 },
  };
}
