/** What `specmesh demo` does when it runs; the command and its flags are described in commands/demo.ts. */
import { performance } from 'node:perf_hooks';
import { requirePositiveIntegers, startLocalCluster } from '@specmesh/lab/local-cluster';
import { percentile } from '@specmesh/lab/percentile';
import { sampleVerifyTask } from '@specmesh/protocol/internal';
import { startupDeadlineMs } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { DemoArgs } from '../commands/demo.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';

/** What `demo` measured; `--json` prints it as is. */
export interface DemoReport {
  readonly actors: number;
  readonly requests: number;
  readonly concurrency: number;
  /** Size of one verify task on the wire, bytes. */
  readonly taskBytes: number;
  /** Round-trip latency of the verify tasks, µs. */
  readonly roundTripUs: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly requestsPerSec: number;
  /** Every instance heard by heartbeat, with the tasks it served. */
  readonly members: ReadonlyArray<{
    readonly id: string;
    readonly role: string;
    readonly version: string;
    readonly served: number;
    readonly inflight: number;
  }>;
}

export async function runDemo(args: ArgumentsCamelCase<DemoArgs>): Promise<void> {
  requirePositiveIntegers(args, ['actors', 'requests', 'concurrency']);
  const output = createOutput(args.json);
  const out = output.say;
  const cluster = await startLocalCluster(args, out, 'echo');
  const { servers, supervisor, client, view } = cluster;
  try {
    out(`• launching ${args.actors} echo actor process(es) under the supervisor …`);
    for (let i = 0; i < args.actors; i++) {
      supervisor.start({
        name: `echo-${i + 1}`,
        args: [
          SPECMESH_BIN,
          'node',
          '--role',
          'echo',
          '--name',
          `echo-${i + 1}`,
          '--nats',
          servers.join(','),
          '--prefix',
          args.prefix,
          '--log-level',
          args.logLevel,
        ],
      });
    }
    const own = Array.from({ length: args.actors }, (_, i) => `echo-${i + 1}`);
    await view.waitFor(
      (ms) => own.every((id) => ms.some((m) => m.id === id)),
      startupDeadlineMs(args.actors),
    );
    out(
      `  ${args.actors} actor(s) joined (heard by heartbeat); ${view.alive().length} echo actor(s) in the cluster`,
    );

    const subject = client.subjects.echo('default');
    const task = sampleVerifyTask(8, 8, 16);
    const bytes = client.codec.encode('verify.task', task).byteLength;
    out(
      `• sending ${args.requests} verify tasks (${bytes} B: 8 drafts with sparse probabilities), ${args.concurrency} at a time …`,
    );
    const latencies: number[] = [];
    const served = new Map<string, number>();
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < args.requests) {
        next++;
        const t0 = performance.now();
        const reply = await client.request(subject, 'verify.task', task, { expect: 'verify.result' });
        latencies.push((performance.now() - t0) * 1000);
        served.set(reply.body.verifierId, (served.get(reply.body.verifierId) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: args.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const report: DemoReport = {
      actors: args.actors,
      requests: args.requests,
      concurrency: args.concurrency,
      taskBytes: bytes,
      roundTripUs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
      },
      requestsPerSec: args.requests / seconds,
      members: view.alive({ includeDraining: true }).map((m) => ({
        id: m.id,
        role: m.role,
        version: m.heartbeat.version,
        served: served.get(m.id) ?? 0,
        inflight: m.heartbeat.load.inflight,
      })),
    };
    output.result(report, formatDemo);
  } finally {
    out('• stopping: actors drain on SIGTERM, then the server stops');
    await cluster.stop();
  }
  out('done.');
}

/** The figures as `demo` prints them for people. */
function formatDemo(r: DemoReport): string {
  const { p50, p90, p99 } = r.roundTripUs;
  return [
    `  round trip µs: p50 ${p50.toFixed(0)}  p90 ${p90.toFixed(0)}  p99 ${p99.toFixed(0)}   ${r.requestsPerSec.toFixed(0)} req/s`,
    '• membership (from heartbeats):',
    ...r.members.map(
      (m) => `  ${m.id.padEnd(10)} role ${m.role}  v${m.version}  served ${m.served}  inflight ${m.inflight}`,
    ),
  ].join('\n');
}
