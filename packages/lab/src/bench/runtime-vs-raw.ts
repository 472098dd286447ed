/**
 * Request/reply over the specmesh runtime vs a raw @nats-io client, same payloads, same server.
 *
 * specmesh side: Actor.request(verify.task) → echo actor decodes + validates, replies verify.result →
 * requester decodes + validates. Raw side: nc.request with the same pre-encoded verify.task bytes, a
 * raw subscription answers with the same pre-encoded verify.result bytes (no codec at all), on a
 * connection with the runtime's own options (no async stack traces). Floor: the runtime's request
 * mechanism alone (its `RequestMux`: a publish with a reply token, one inbox subscription) with the
 * same pre-encoded bytes and the same raw responder, so runtime / floor is what the runtime adds
 * around a message (codec, validation, dispatch, metrics). With `baseline` (the
 * `dist/index.js` of another build's @specmesh/runtime), that build's actors run the same request
 * beside this one's, so a change to the runtime is measured against what it replaced. Rounds rotate
 * the sides so machine noise hits them alike.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { Codec } from '@specmesh/protocol';
import { sampleVerifyResult, sampleVerifyTask } from '@specmesh/protocol/internal';
import * as thisRuntime from '@specmesh/runtime';
import { RequestMux, startNatsServer } from '@specmesh/runtime';

export interface RuntimeVsRawOptions {
  /** Measured requests per side, spread over the rounds. */
  readonly requests: number;
  readonly rounds: number;
  /** Unmeasured requests per side first. Defaults to 2000. */
  readonly warmup?: number;
  /** Path of another build's @specmesh/runtime entry (`…/packages/runtime/dist/index.js`). */
  readonly baseline?: string;
}

/** Round-trip latency of one side, µs. */
export interface RoundTripFigures {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

type Side = 'runtime' | 'raw' | 'floor' | 'baseline';

export interface RuntimeVsRawReport {
  readonly report: Readonly<Partial<Record<Side, RoundTripFigures>>> &
    Readonly<Record<'runtime' | 'raw' | 'floor', RoundTripFigures>>;
  /** runtime / raw. */
  readonly ratio: { readonly p50: number; readonly p99: number };
  /** runtime / floor: what the runtime adds around a message. */
  readonly overFloor: { readonly p50: number; readonly p99: number };
  /** runtime / baseline, with `baseline`. */
  readonly overBaseline?: { readonly p50: number; readonly p99: number };
  readonly taskBytes: number;
  readonly resultBytes: number;
}

/** The script's own rank (floor), kept so figures stay comparable with earlier runs. */
function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runRuntimeVsRaw(o: RuntimeVsRawOptions): Promise<RuntimeVsRawReport> {
  const perRound = Math.max(1, Math.floor(o.requests / o.rounds));
  const warmup = o.warmup ?? 2000;
  const server = await startNatsServer();
  try {
    const task = sampleVerifyTask(8, 8, 16);
    const runtime = await runtimeSide(thisRuntime, 'runtime', server.url, task);
    const rawServer = await connect({ servers: server.url, noAsyncTraces: true });
    const rawClient = await connect({ servers: server.url, noAsyncTraces: true });
    const floor = new RequestMux(rawClient, '_INBOX.floor');
    const codec = new Codec({ from: 'bench' });
    const taskBytes = codec.encode('verify.task', task);
    const resultBytes = codec.encode('verify.result', sampleVerifyResult());
    rawServer.subscribe('bench.raw.echo', {
      queue: 'echo',
      callback: (_err, msg) => {
        msg.respond(resultBytes);
      },
    });
    await rawServer.flush();

    const runtimeOnce = runtime.once;
    const rawOnce = () => rawClient.request('bench.raw.echo', taskBytes, { timeout: 5000 });
    const floorOnce = () => floor.request('bench.raw.echo', taskBytes, { timeoutMs: 5000 });
    const base = o.baseline
      ? await runtimeSide(
          (await import(pathToFileURL(resolve(o.baseline)).href)) as RuntimeModule,
          'baseline',
          server.url,
          task,
        )
      : undefined;
    const baselineOnce = base?.once;
    for (let i = 0; i < warmup; i++) {
      await runtimeOnce();
      await rawOnce();
      await floorOnce();
      await baselineOnce?.();
    }
    const samples: Record<Side, number[]> = { runtime: [], raw: [], floor: [], baseline: [] };
    const sides: Array<[Side, () => Promise<unknown>]> = [
      ['runtime', runtimeOnce],
      ['raw', rawOnce],
      ['floor', floorOnce],
      ...(baselineOnce ? [['baseline', baselineOnce] as [Side, () => Promise<unknown>]] : []),
    ];
    for (let r = 0; r < o.rounds; r++) {
      // Each side goes first, in the middle and last in turn.
      const order = [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)];
      for (const [name, once] of r % 2 === 0 ? order : order.reverse()) {
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          await once();
          samples[name].push((performance.now() - t0) * 1000);
        }
      }
    }
    const figures = (name: Side): RoundTripFigures => {
      const s = samples[name].sort((a, b) => a - b);
      return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99) };
    };
    const report = {
      runtime: figures('runtime'),
      raw: figures('raw'),
      floor: figures('floor'),
      ...(base ? { baseline: figures('baseline') } : {}),
    };
    await runtime.stop();
    await base?.stop();
    await rawClient.close();
    await rawServer.close();
    return {
      report,
      ratio: { p50: report.runtime.p50 / report.raw.p50, p99: report.runtime.p99 / report.raw.p99 },
      overFloor: { p50: report.runtime.p50 / report.floor.p50, p99: report.runtime.p99 / report.floor.p99 },
      ...(report.baseline
        ? {
            overBaseline: {
              p50: report.runtime.p50 / report.baseline.p50,
              p99: report.runtime.p99 / report.baseline.p99,
            },
          }
        : {}),
      taskBytes: taskBytes.byteLength,
      resultBytes: resultBytes.byteLength,
    };
  } finally {
    await server.stop();
  }
}

type RuntimeModule = typeof thisRuntime;

/**
 * The runtime side, on `runtime` (this build's, or another build's entry): an echo actor and a client
 * actor of its own, and one request through them.
 */
async function runtimeSide(
  runtime: RuntimeModule,
  name: string,
  servers: string,
  task: ReturnType<typeof sampleVerifyTask>,
): Promise<{ once: () => Promise<unknown>; stop: () => Promise<void> }> {
  // Quiet unless asked: the figures are what this prints.
  const logger = runtime.createLogger({ level: process.env['SPECMESH_LOG_LEVEL'] ?? 'warn' });
  const common = { servers, heartbeatIntervalMs: 0, logger };
  const echo = await runtime.Actor.start({ ...common, role: 'echo', id: `${name}-echo` });
  const subject = runtime.serveEcho(echo, { service: name, queue: name });
  const client = await runtime.Actor.start({ ...common, role: 'gateway', id: `${name}-client` });
  return {
    once: () => client.request(subject, 'verify.task', task, { expect: 'verify.result' }),
    stop: async () => {
      await client.stop();
      await echo.stop();
    },
  };
}

export function formatRuntimeVsRaw(r: RuntimeVsRawReport): string {
  const lines = [
    `payload: verify.task ${r.taskBytes} B (8 drafts, 8-entry sparse q, 16 context tokens), verify.result ${r.resultBytes} B`,
    '             n      p50 µs   p90 µs   p99 µs',
  ];
  for (const name of ['runtime', 'raw', 'floor', 'baseline'] as const) {
    const f = r.report[name];
    if (!f) continue;
    lines.push(
      `${name.padEnd(9)} ${String(f.n).padStart(6)} ${f.p50.toFixed(1).padStart(9)} ${f.p90.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)}`,
    );
  }
  lines.push(
    `ratio runtime/raw: p50 ${r.ratio.p50.toFixed(3)}  p99 ${r.ratio.p99.toFixed(3)}  (overhead p50 ${((r.ratio.p50 - 1) * 100).toFixed(1)}%)`,
    `ratio runtime/floor: p50 ${r.overFloor.p50.toFixed(3)}  p99 ${r.overFloor.p99.toFixed(3)}  (floor: the runtime's request mechanism with pre-encoded bytes, no codec)`,
  );
  if (r.overBaseline)
    lines.push(
      `ratio runtime/baseline: p50 ${r.overBaseline.p50.toFixed(3)}  p99 ${r.overBaseline.p99.toFixed(3)}  (baseline: the other build's runtime, same request)`,
    );
  return lines.join('\n');
}
