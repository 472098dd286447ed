/**
 * `specmesh up`: a whole local cluster in one command. Starts an embedded nats-server, launches every
 * role as its own process under the supervisor (crashed roles restart), waits until all have joined,
 * and then either serves (gateway on `--port`, until Ctrl-C or SIGTERM, then a one-line summary) or,
 * with `--demo`, generates the
 * same prompt in non-SI, SI and DSI and prints the text and the timing of each.
 *
 * `--json`: steps go to stderr; serving prints one JSON line once every role has joined (`event:
 * "ready"`, the gateway and NATS URLs, the processes), `--demo` one JSON object of the three runs.
 */
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDemoPair } from '@specmesh/lab/demo-models';
import { requirePositiveIntegers, startLocalCluster } from '@specmesh/lab/local-cluster';
import { modelFlags } from '@specmesh/lab/model-args';
import { checkModelFile } from '@specmesh/models';
import { ConfigError, ConnectionError, type RequestMode, type Role } from '@specmesh/protocol';
import { installGracefulShutdown, startupDeadlineMs } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { UpArgs } from '../commands/up.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';
import { type GenerationReport, generateOnce } from './generate.js';
import { formatStopSummary, type UpStopSummary, watchGatewayCounts } from './up-summary.js';

/** The line `up --json` prints when the cluster serves. */
export interface UpReady {
  readonly event: 'ready';
  /** Base URL of the gateway (dashboard, metrics, /specmesh/*). */
  readonly gateway: string;
  /** Base URL of the OpenAI-compatible API. */
  readonly openai: string;
  readonly nats: readonly string[];
  /** Whether `up` started the nats-server itself (no `--nats`). */
  readonly embeddedNats: boolean;
  readonly prefix: string;
  /** Processes per role. */
  readonly processes: Readonly<Record<string, number>>;
  readonly models: string;
}

/** What `up --demo --json` prints. */
export interface UpDemoReport {
  readonly models: string;
  readonly processes: Readonly<Record<string, number>>;
  readonly prompt: string;
  readonly k: number;
  readonly runs: readonly GenerationReport[];
  readonly sameText: boolean;
  /** Wall-time speedup over non-SI. */
  readonly speedup: { readonly si: number; readonly dsi: number; readonly auto: number };
}

export async function runUp(args: ArgumentsCamelCase<UpArgs>): Promise<void> {
  requirePositiveIntegers(args, ['drafters', 'verifiers', 'batchers', 'schedulers']);
  const output = createOutput(args.json);
  const out = output.say;
  const models = await prepareModels(args, out);
  const cluster = await startLocalCluster(args, out);
  const { servers, logger, supervisor, client, view } = cluster;
  const shutdown = () => cluster.stop();
  let restarts = 0;
  supervisor.on((e) => {
    if (e.type === 'exit' && !e.expected) restarts++;
  });
  try {
    const common = [
      '--nats',
      servers.join(','),
      '--prefix',
      args.prefix,
      '--log-level',
      args.logLevel,
      '--heartbeat-ms',
      '250',
    ];
    const plan: Array<[Role, number, string[]]> = [
      ['scheduler', args.schedulers, []],
      ['batcher', args.batchers, []],
      ['verifier', args.verifiers, modelFlags(args)],
      [
        'drafter',
        args.drafters,
        [
          ...modelFlags(args),
          ...(args.lendSlots > 0 ? ['--lend-slots', String(args.lendSlots), '--predraft'] : []),
        ],
      ],
    ];
    if (!args.demo) {
      const keys = args.apiKeyFile ? ['--api-key-file', args.apiKeyFile] : [];
      const otlp = args.otlpEndpoint ? ['--otlp-endpoint', args.otlpEndpoint] : [];
      const names = (args.servedModelName ?? []).flatMap((name) => ['--served-model-name', name]);
      plan.push(['gateway', 1, ['--port', String(args.port), ...keys, ...otlp, ...names]]);
    }
    let total = 0;
    const processes = Object.fromEntries(plan.map(([role, n]) => [role, n]));
    for (const [role, n, extra] of plan) {
      for (let i = 1; i <= n; i++) {
        supervisor.start({
          name: `${role}-${i}`,
          args: [SPECMESH_BIN, 'node', '--role', role, '--name', `${role}-${i}`, ...common, ...extra],
        });
        total++;
      }
    }
    out(
      `• launching ${total} role processes: ${args.schedulers} scheduler, ${args.batchers} batcher, ${args.verifiers} verifier, ${args.drafters} drafter${args.demo ? '' : ', 1 gateway'} (${models}) …`,
    );
    // A start-up deadline: it grows with the processes starting and the machine's load.
    const startup = startupDeadlineMs(total);
    await view.waitFor((ms) => ms.length >= total, startup);
    out(`  all ${total} joined`);
    if (!args.demo) {
      const gateway = `http://127.0.0.1:${args.port}`;
      // The gateway announces itself on NATS a moment before its HTTP port listens.
      await waitForHttp(`${gateway}/health`, startup);
      const ready: UpReady = {
        event: 'ready',
        gateway,
        openai: `${gateway}/v1`,
        nats: servers,
        embeddedNats: !args.nats || args.nats.length === 0,
        prefix: args.prefix,
        processes,
        models,
      };
      output.say(`• serving: OpenAI-compatible API on ${ready.openai} — Ctrl-C stops the cluster`);
      output.jsonLine(ready);
      const servingSince = performance.now();
      const counts = watchGatewayCounts(gateway, args.apiKeyFile);
      const stopAndSummarize = async () => {
        // Counted before the roles stop: the gateway is the one that knows.
        const summary: UpStopSummary = {
          uptimeS: Math.round((performance.now() - servingSince) / 1000),
          ...(await counts.final()),
          restarts,
        };
        // A line for people; with --json it goes to stderr, so stdout stays the one "ready" line.
        output.say(formatStopSummary(summary));
        await shutdown();
      };
      installGracefulShutdown([{ drain: stopAndSummarize }], { logger });
      return;
    }
    // Warm up (worker threads, first-call costs) so no mode pays for start-up.
    await generateOnce(client, {
      prompt: 'warm up',
      mode: 'si',
      k: args.k,
      maxTokens: 4,
      temperature: 0,
      seed: 1,
    });
    const results = [];
    for (const mode of ['nonsi', 'si', 'dsi', 'auto'] as RequestMode[]) {
      out(`\n• ${mode}: "${args.prompt}"`);
      output.text('  ');
      const r = await generateOnce(
        client,
        { prompt: args.prompt, mode, k: args.k, maxTokens: args.maxTokens, temperature: 0, seed: 1 },
        output.text,
      );
      results.push(r);
      output.text('\n');
      out(
        `  ${r.tokens} tokens in ${r.wallMs.toFixed(0)} ms · TTFT ${r.ttftMs.toFixed(1)} ms · TPOT ${r.tpotMs.toFixed(1)} ms · from accepted drafts ${(r.draftedShare * 100).toFixed(0)}%`,
      );
    }
    const [non, si, dsi, auto] = results as [
      (typeof results)[0],
      (typeof results)[0],
      (typeof results)[0],
      (typeof results)[0],
    ];
    const same = results.every((r) => r.text === non.text);
    const report: UpDemoReport = {
      models,
      processes,
      prompt: args.prompt,
      k: args.k,
      runs: results,
      sameText: same,
      speedup: { si: non.wallMs / si.wallMs, dsi: non.wallMs / dsi.wallMs, auto: non.wallMs / auto.wallMs },
    };
    output.result(
      report,
      (r) =>
        `\n• same text in every mode: ${r.sameText ? 'yes' : 'NO'}\n  wall-time speedup over non-SI: SI ${r.speedup.si.toFixed(2)}x, DSI ${r.speedup.dsi.toFixed(2)}x, auto ${r.speedup.auto.toFixed(2)}x`,
    );
    await shutdown();
    out('done.');
    if (!same) process.exitCode = 1;
  } catch (err) {
    await shutdown();
    throw err;
  }
}

/**
 * Settles which models the roles load and checks their files before any process starts, so a bad
 * file is one clear error here instead of role processes failing and restarting. Returns a label.
 */
async function prepareModels(args: UpArgs, say: (line: string) => void): Promise<string> {
  if (args.backend !== 'llama') return `emulated models, drafter agreement ${args.agreement}`;
  if (!args.model && !args.draftModel) {
    say('• no --model / --draft-model given: using the synthetic demo pair');
    const pair = await ensureDemoPair(args.agreement, say);
    args.model = pair.target;
    args.draftModel = pair.drafter;
  }
  if (!args.model || !args.draftModel)
    throw new ConfigError('--backend llama needs both --model and --draft-model, or neither (demo pair)', {
      context: { option: args.model ? 'draft-model' : 'model' },
    });
  const [target, drafter] = await Promise.all([checkModelFile(args.model), checkModelFile(args.draftModel)]);
  return `llama models: target ${target.name ?? basename(args.model)}, drafter ${drafter.name ?? basename(args.draftModel)}`;
}

/** Waits until `url` answers (any status), polling; throws after `timeoutMs`. */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (err) {
      if (Date.now() > until)
        throw new ConnectionError(`the gateway never answered at ${url}`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
