/**
 * What `specmesh bench dsi` does when it runs; the command and its flags are described in
 * commands/bench-dsi.ts.
 */ import {
  type ClusterDsiConfig,
  type ClusterDsiRow,
  DSI_FIXTURE,
  formatClusterDsi,
  runClusterDsi,
} from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchDsiArgs } from '../commands/bench-dsi.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';
import { parseRoutes } from './parse-routes.js';

/** What `bench dsi --json` prints: each point's configuration and its rows (ms per request). */
export interface BenchDsiReport {
  readonly bench: 'dsi';
  readonly repeats: number;
  readonly points: ReadonlyArray<{ readonly config: ClusterDsiConfig; readonly rows: ClusterDsiRow[] }>;
}

export async function runBenchDsi(args: ArgumentsCamelCase<BenchDsiArgs>): Promise<void> {
  const output = createOutput(args.json);
  const repeats = args.repeats ?? 3;
  const tokens = args.tokens ?? 50;
  const routes = parseRoutes(args.routes);
  const steps = {
    ...(args.targetTpotMs !== undefined ? { targetTpot: args.targetTpotMs } : {}),
    ...(args.draftTpotMs !== undefined ? { draftTpot: args.draftTpotMs } : {}),
  };
  const points = (
    args.agreement !== undefined
      ? [{ ...DSI_FIXTURE, a: args.agreement, k: args.k ?? DSI_FIXTURE.k }]
      : args.quick
        ? [DSI_FIXTURE]
        : [DSI_FIXTURE, { ...DSI_FIXTURE, a: 0.8 }, { ...DSI_FIXTURE, a: 0.6, k: 3 }]
  ).map((p) => ({ ...p, ...steps }));
  output.say('cluster (real actors over NATS, emulated models in piscina workers) vs virtual time');
  const measured: Array<BenchDsiReport['points'][number]> = [];
  for (const [i, p] of points.entries()) {
    const config = { ...p, tokens };
    const runs = 3 * routes.length + (args.predrafters > 0 ? 1 : 0);
    const bar = createProgress(`bench dsi ${i + 1}/${points.length}`, runs * repeats, {
      enabled: !args.json,
    });
    let rows: ClusterDsiRow[];
    try {
      rows = await runClusterDsi(config, repeats, {
        onRun: (done) => bar.update(done),
        logLevel: args.logLevel,
        routes,
        predrafters: args.predrafters,
      });
    } finally {
      bar.stop();
    }
    measured.push({ config, rows });
    // Each table as soon as its point is done; the JSON document once all are.
    output.text(`\n${formatClusterDsi(config, rows, repeats)}\n`);
  }
  const report: BenchDsiReport = { bench: 'dsi', repeats, points: measured };
  output.jsonLine(report);
}
