import { connect } from '@nats-io/transport-node';
import { Codec, decodeMessage, ErrorCode, MESSAGE_KIND_NAMES } from '@specmesh/protocol';
import { sampleBodies, sampleVerifyTask } from '@specmesh/protocol/internal';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../src/actor.js';
import { serveEcho } from '../src/echo-service.js';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';

// Small seeded PRNG (mulberry32) so a failing case can be replayed from its seed.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DECODE_FAMILY = new Set<string>([
  ErrorCode.Decode,
  ErrorCode.Version,
  ErrorCode.UnknownKind,
  ErrorCode.Schema,
  ErrorCode.TooLarge,
]);

describe('fuzzing a running actor', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers thousands of random and mutated messages with typed errors, counts them, and still serves', async () => {
    const echo = await Actor.start({ role: 'echo', servers: server.url, heartbeatIntervalMs: 0 });
    const subject = serveEcho(echo);
    await echo.flush();
    const nc = await connect({ servers: server.url });
    const codec = new Codec({ from: 'fuzzer' });
    const raw = new Packr({ useRecords: false, moreTypes: true });
    const bodies = sampleBodies();
    const valid = MESSAGE_KIND_NAMES.map((k) => codec.encode(k, bodies[k] as never));
    const rand = rng(20_261_123);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

    const cases: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const mode = i % 6;
      if (mode === 0) {
        cases.push(Uint8Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      } else if (mode === 1 || mode === 2) {
        // Flip a few bytes of a valid message of some kind.
        const m = Uint8Array.from(pick(valid));
        for (let f = 0; f < 1 + Math.floor(rand() * 4); f++)
          m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
        cases.push(m);
      } else if (mode === 3) {
        const m = pick(valid);
        cases.push(m.subarray(0, Math.floor(rand() * m.length)));
      } else if (mode === 4) {
        // Well-formed msgpack, wrong structure.
        cases.push(
          raw.pack(
            pick([{ v: 1, k: 'verify.task', f: 'x', i: 'y', t: 1, b: [1, 2] }, [1, 'a'], { v: 1 }, 42, null]),
          ),
        );
      } else {
        // A valid envelope around a task whose fields are out of range.
        const task = { ...sampleVerifyTask(), attempt: pick([0, -1, 1e9, 1.5]) };
        cases.push(raw.pack({ v: 1, k: 'verify.task', f: 'x', i: 'y', t: 1, b: task }));
      }
    }

    let errors = 0;
    let results = 0;
    const codes = new Map<string, number>();
    const batch = 200;
    for (let i = 0; i < cases.length; i += batch) {
      const replies = await Promise.all(
        cases.slice(i, i + batch).map((c) => nc.request(subject, c, { timeout: 5000 })),
      );
      for (const r of replies) {
        const env = decodeMessage(r.data, ['error', 'verify.result']);
        if (env.kind === 'error') {
          errors++;
          const code = (env.body as { code: string }).code;
          expect(DECODE_FAMILY.has(code)).toBe(true);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        } else {
          results++;
        }
      }
    }
    // Every message got exactly one reply; almost all are refusals (a mutation may hit a harmless byte).
    expect(errors + results).toBe(cases.length);
    expect(errors).toBeGreaterThan(cases.length * 0.8);
    expect(codes.get(ErrorCode.Decode)).toBeGreaterThan(0);
    expect(codes.get(ErrorCode.Schema)).toBeGreaterThan(0);

    const metric = await echo.metrics.registry.getMetricsAsJSON();
    const bad = metric.find((m) => m.name === 'specmesh_bad_messages_total')!;
    const counted = bad.values.reduce((s, v) => s + v.value, 0);
    expect(counted).toBe(errors);

    const ok = await nc.request(subject, codec.encode('verify.task', sampleVerifyTask()), { timeout: 2000 });
    expect(decodeMessage(ok.data, 'verify.result').body.accepted).toBe(8);
    await nc.close();
    await echo.stop();
  });
});
